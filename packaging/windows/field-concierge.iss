; Inno Setup script: wraps the PyInstaller one-folder build (dist\field-concierge), which
; holds the windowed app (field-concierge.exe) and the console command (concierge.exe).
; The version is the one in pyproject.toml, passed by the build (see packaging/README.md):
;   iscc /DAppVersion=0.2.0 packaging\windows\field-concierge.iss
#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z (it comes from pyproject.toml)
#endif

[Setup]
AppId={{8E3B7C51-2F0A-4C7E-9A61-3D2F5B9C0E14}
AppName=Field Concierge
AppVersion={#AppVersion}
VersionInfoVersion={#AppVersion}
AppPublisher=Field Concierge contributors
DefaultDirName={autopf}\Field Concierge
DefaultGroupName=Field Concierge
OutputBaseFilename=field-concierge-{#AppVersion}-setup
; Made at build time from the PNG icons (packaging/bundle_meta.py, Pillow).
SetupIconFile=..\..\build\field-concierge\bundle-meta\field-concierge.ico
UninstallDisplayIcon={app}\field-concierge.exe
LicenseFile=..\..\LICENSE
Compression=lzma2
SolidCompression=yes
PrivilegesRequired=lowest
ChangesEnvironment=yes

[Files]
Source: "..\..\dist\field-concierge\*"; DestDir: "{app}"; Flags: recursesubdirs

[Icons]
Name: "{group}\Field Concierge"; Filename: "{app}\field-concierge.exe"
Name: "{autodesktop}\Field Concierge"; Filename: "{app}\field-concierge.exe"; Tasks: desktopicon

[Tasks]
Name: desktopicon; Description: "Create a desktop shortcut"; Flags: unchecked
Name: addtopath; Description: "Add the concierge command (concierge.exe) to PATH"; Flags: unchecked

[Registry]
; The console command: `concierge sync`, `concierge status`, ... in a terminal.
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; \
    ValueData: "{olddata};{app}"; Tasks: addtopath; Check: NeedsAddPath(ExpandConstant('{app}'))

[Code]
function NeedsAddPath(Dir: string): Boolean;
var
  Current: string;
begin
  if not RegQueryStringValue(HKCU, 'Environment', 'Path', Current) then
    Current := '';
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Current) + ';') = 0;
end;
