# The demo's main job, run in its own pwsh against the local demo database build.ps1 started.
param([Parameter(Mandatory)] [string] $ModulePath, [Parameter(Mandatory)] [string] $EnvFile)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
Write-Host "`nGet-ScorecardConfig -EnvFile $EnvFile" -ForegroundColor Cyan
Get-ScorecardConfig -EnvFile $EnvFile | Format-Table -AutoSize | Out-String -Width 160 | Out-Host
Write-Host "Test-ScorecardDatabase -EnvFile $EnvFile" -ForegroundColor Cyan
Test-ScorecardDatabase -EnvFile $EnvFile | Out-Host
