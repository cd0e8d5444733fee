; Inno Setup 6 script: a Windows installer for the one-folder build (see packaging/README.md).
;
;   .venv\Scripts\python packaging\build.py
;   iscc /DAppVersion=0.1.0 packaging\windows\annotator.iss
;
; Installs dist\annotator\ into Program Files (or, without admin rights, into the user's
; programs folder), adds a Start menu entry, and registers *.annotator project files so a
; double-click opens them in annotator-gui.exe. Writes Output\annotator-VERSION-setup.exe.
; Not exercised by the test suite (no Windows machine in CI): try it on Windows before a release.

#ifndef AppVersion
  #error Pass the version from pyproject.toml: iscc /DAppVersion=X.Y.Z annotator.iss
#endif

[Setup]
AppId={{6660C64C-B3D5-4FF5-A7AA-84DFE469625A}
AppName=Annotator
AppVersion={#AppVersion}
AppPublisher=Annotator developers
DefaultDirName={autopf}\Annotator
DefaultGroupName=Annotator
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ChangesAssociations=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
SetupIconFile=..\..\resources\icons\annotator.ico
UninstallDisplayIcon={app}\annotator-gui.exe
OutputBaseFilename=annotator-{#AppVersion}-setup
Compression=lzma2
SolidCompression=yes
WizardStyle=modern

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; Flags: unchecked

[Files]
Source: "..\..\dist\annotator\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\Annotator"; Filename: "{app}\annotator-gui.exe"
Name: "{autodesktop}\Annotator"; Filename: "{app}\annotator-gui.exe"; Tasks: desktopicon

[Registry]
; HKA is HKLM for an all-users install and HKCU for a per-user one.
Root: HKA; Subkey: "Software\Classes\.annotator\OpenWithProgids"; ValueType: string; ValueName: "Annotator.Project"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\Annotator.Project"; ValueType: string; ValueName: ""; ValueData: "Annotator project"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Annotator.Project\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\annotator-gui.exe,0"
Root: HKA; Subkey: "Software\Classes\Annotator.Project\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\annotator-gui.exe"" ""%1"""
Root: HKA; Subkey: "Software\Classes\Applications\annotator-gui.exe\SupportedTypes"; ValueType: string; ValueName: ".annotator"; ValueData: ""

[Run]
Filename: "{app}\annotator-gui.exe"; Parameters: "demo"; Description: "Open the demo project"; Flags: nowait postinstall skipifsilent
