# The demo, run in its own pwsh against the local demo database and the smtp4dev build.ps1 started: what an admin does
# with the module. The seed's failed save done right, the nightly backup with its mail, and a restore drill.
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $EnvFile,
    # smtp4dev's web API, where the demo reads the mail it sent.
    [Parameter(Mandatory)] [string] $MailApi,
    # Where the mail is saved for reading after the demo's smtp4dev is gone.
    [Parameter(Mandatory)] [string] $MailFolder
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath

function Show([string] $Command, [scriptblock] $Run) {
    Write-Host "`nPS> $Command" -ForegroundColor Cyan
    & $Run | Out-String -Width 160 | Out-Host
}

Show "Get-ScorecardConfig -EnvFile $EnvFile" { Get-ScorecardConfig -EnvFile $EnvFile | Format-Table -AutoSize }
Show "Test-ScorecardDatabase -EnvFile $EnvFile" { Test-ScorecardDatabase -EnvFile $EnvFile }

# The web admin's save that failed with a bare 500 (../shared/seeds): the same change, made with the module.
$seedSave = "Set-ScorecardUser -Identity 08d281be-572e-4590-ab5a-199793077bf7 -CompanyId company_metro -DisplayName 'Zahari Vassilev' " +
    "-Role SALES_DIRECTOR -EnvFile $EnvFile -PassThru"
Show $seedSave {
    Set-ScorecardUser -Identity 08d281be-572e-4590-ab5a-199793077bf7 -CompanyId company_metro -DisplayName 'Zahari Vassilev' `
        -Role SALES_DIRECTOR -EnvFile $EnvFile -PassThru | Format-List Id, Email, DisplayName, Role, CompanyId, IsActive
}

Show "Invoke-ScorecardBackup -EnvFile $EnvFile -Notify -ErrorAction Stop" {
    Invoke-ScorecardBackup -EnvFile $EnvFile -Notify -ErrorAction Stop | Format-List Name, Path, Status, Size, TotalRows, Verified, Duration, Sha256, Notification
}
Show "Test-ScorecardBackup -Latest -RestoreDrill -EnvFile $EnvFile" { Test-ScorecardBackup -Latest -RestoreDrill -EnvFile $EnvFile -ErrorAction Stop }

# The mail, as smtp4dev received it; saved, because the demo's smtp4dev stops with the demo.
$message = (Invoke-RestMethod "$MailApi/api/messages?pageSize=50").results | Select-Object -Last 1
if (-not $message) { throw "smtp4dev received no mail: the -Notify step sent none." }
$html = Join-Path $MailFolder 'notification.html'
Invoke-RestMethod "$MailApi/api/messages/$($message.id)/html" | Set-Content -Path $html -Encoding utf8
Write-Host "`nThe notification mail, as dba@demo.example received it (subject: $($message.subject)):" -ForegroundColor Cyan
Invoke-RestMethod "$MailApi/api/messages/$($message.id)/plaintext" | Out-Host
Write-Host "Read it as its recipient will: open $html in a browser." -ForegroundColor Cyan
