# The demo's main job, run in its own pwsh against the local demo database build.ps1 started: the nightly backup,
# then a restore drill of what it wrote.
param([Parameter(Mandatory)] [string] $ModulePath, [Parameter(Mandatory)] [string] $EnvFile)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath

function Show([string] $Command, [scriptblock] $Run) {
    Write-Host "`nPS> $Command" -ForegroundColor Cyan
    & $Run | Out-String -Width 160 | Out-Host
}

Show "Get-ScorecardConfig -EnvFile $EnvFile" { Get-ScorecardConfig -EnvFile $EnvFile | Format-Table -AutoSize }
Show "Test-ScorecardDatabase -EnvFile $EnvFile" { Test-ScorecardDatabase -EnvFile $EnvFile }
Show "Invoke-ScorecardBackup -EnvFile $EnvFile -ErrorAction Stop" { Invoke-ScorecardBackup -EnvFile $EnvFile -ErrorAction Stop | Format-List Name, Path, Status, Size, TotalRows, Verified, Duration, Sha256 }
Show "Test-ScorecardBackup -Latest -RestoreDrill -EnvFile $EnvFile" { Test-ScorecardBackup -Latest -RestoreDrill -EnvFile $EnvFile -ErrorAction Stop }
