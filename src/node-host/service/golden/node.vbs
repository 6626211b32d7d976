' OpenClaw Node Host (openclaw-lite v2026.9.6-lite.0.1.0): launcher written by openclaw node install.
' Runs the node host without a console window and returns its exit code to Task Scheduler.
Option Explicit
Dim sh, env
Set sh = CreateObject("WScript.Shell")
Set env = sh.Environment("Process")
sh.CurrentDirectory = "C:\Users\Alice Smith"
env("OPENCLAW_STATE_DIR") = "C:\Users\Alice Smith\.openclaw"
env("OPENCLAW_SERVICE_KIND") = "node"
env("OPENCLAW_SERVICE_VERSION") = "2026.9.6-lite.0.1.0"
WScript.Quit sh.Run("""C:\Program Files\nodejs\node.exe"" ""C:\Users\Alice Smith\openclaw-lite\dist\src\cli\main.js"" node run --env-file ""C:\Users\Alice Smith\.openclaw\node.env"" --host gw.example.net --port 18789 --tls --tls-fingerprint abababababababababababababababababababababababababababababababab --display-name ""Build Node 100% \""fast\""""", 0, True)
