; Inno Setup script: wraps the PyInstaller one-folder build (dist\field-concierge).
[Setup]
AppId={{8E3B7C51-2F0A-4C7E-9A61-3D2F5B9C0E14}
AppName=Field Concierge
AppVersion=0.1.0
DefaultDirName={autopf}\Field Concierge
DefaultGroupName=Field Concierge
OutputBaseFilename=field-concierge-setup
Compression=lzma2
SolidCompression=yes
PrivilegesRequired=lowest

[Files]
Source: "..\..\dist\field-concierge\*"; DestDir: "{app}"; Flags: recursesubdirs

[Icons]
Name: "{group}\Field Concierge"; Filename: "{app}\field-concierge.exe"
Name: "{autodesktop}\Field Concierge"; Filename: "{app}\field-concierge.exe"; Tasks: desktopicon

[Tasks]
Name: desktopicon; Description: "Create a desktop shortcut"; Flags: unchecked
