<#
.SYNOPSIS
Renders a failure notification's HTML the way a recipient sees it: headless Chromium screenshots at phone width
(400 px) and desktop width (900 px), for checking that long log lines and messages wrap instead of scrolling.
Run after ./build.ps1:  dotnet pwsh ./build/Render-NotificationPreview.ps1 [-OutputFolder ./out/preview]
Needs Debian's chromium (apt-get install chromium).
#>
param(
    [string] $OutputFolder = (Join-Path $PSScriptRoot '../out/preview'),
    [string] $Chromium = '/usr/bin/chromium'
)
$ErrorActionPreference = 'Stop'
$module = Join-Path $PSScriptRoot '../out/SalesScorecard'
foreach ($name in 'MimeKit.dll', 'MailKit.dll', 'SalesScorecard.Core.dll') { Add-Type -Path (Join-Path $module "bin/$name") }
New-Item -ItemType Directory -Force -Path $OutputFolder | Out-Null

# Only what a failure mail needs, as parameters (which win over the environment); no .env file is read.
$values = [System.Collections.Generic.Dictionary[string, string]]::new()
$values['SMTP_HOST'] = 'mail.example.org'
$values['SMTP_FROM'] = 'Sales Scorecard <noreply@instorm.example>'
$values['BACKUP_NOTIFICATION_EMAIL'] = 'ops@example.org'
$values['NOTIFICATION_TIMEZONE'] = 'Europe/Sofia'
$values['NOTIFICATION_CULTURE'] = 'bg-BG'
$settings = [SalesScorecard.Settings.ScorecardSettings]::Load($values, [Func[string, string]] [Environment]::GetEnvironmentVariable, $null)
$mail = [SalesScorecard.Mail.MailSettings]::Load($settings, $PWD.Path, $null)

# A failure as pg_dump reports it: long lines without spaces (paths, a connection string's parts), and a long tail.
$logTail = [System.Collections.Generic.List[string]]::new()
$logTail.Add('2026-11-25T21:00:00Z START   Backup of postgres@db.internal.example.org:5432/sales_scorecard_production into /var/backups/sales-scorecard/production-backend/backups')
$logTail.Add('2026-11-25T21:00:01Z FAILED  BackupFailed: pg_dump exited with code 1: pg_dump: error: query failed: ERROR:  permission denied for table evaluation_criteria_scores_archive_2026_partitioned_by_company_and_quarter | pg_dump: detail: Query was: LOCK TABLE public.evaluation_criteria_scores_archive_2026_partitioned_by_company_and_quarter IN ACCESS SHARE MODE')
$logTail.Add('2026-11-25T21:00:01Z FAILED  /var/backups/sales-scorecard/production-backend/backups/backup-2026-11-25T21-00-00.partial/sales_scorecard_production.dump.zst.partial-was-removed-because-the-run-failed')
$facts = [SalesScorecard.Mail.NotificationFacts]::FromFailure('BackupFailed',
    'pg_dump exited with code 1: pg_dump: error: query failed: ERROR:  permission denied for table evaluation_criteria_scores_archive_2026_partitioned_by_company_and_quarter',
    $logTail, $null, 'postgres@db.internal.example.org:5432/sales_scorecard_production')
$html = Join-Path $OutputFolder 'failure.html'
Set-Content -Path $html -Value ([SalesScorecard.Mail.NotificationMessage]::Html($facts, $mail)) -Encoding utf8NoBOM

foreach ($width in 400, 900) {
    $png = Join-Path $OutputFolder "failure-$width.png"
    & $Chromium --headless --no-sandbox --disable-gpu "--screenshot=$png" "--window-size=$width,1200" "file://$((Resolve-Path $html).Path)" 2>$null
    if (-not (Test-Path $png)) { throw "Chromium wrote no screenshot at $width px." }
    Write-Output $png
}
