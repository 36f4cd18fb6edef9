<#
.SYNOPSIS
Times Send-BackupNotification to a local smtp4dev (STARTTLS, login) against a bare MailKit send of a one-line message
over the same settings, alternating in one process after import. Goal: Send-BackupNotification's median under 300 ms.
Run after ./build.ps1:  dotnet pwsh ./bench/Notification.Benchmark.ps1 [-Runs 15]
#>
param([int] $Runs = 15)
$ErrorActionPreference = 'Stop'
$repo = Resolve-Path (Join-Path $PSScriptRoot '..')
Import-Module (Join-Path $repo 'build/TestServices.psm1') -Force
$smtp = Start-TestSmtp -RepoRoot $repo -Root ([IO.Path]::GetTempPath())
try {
    Import-Module (Join-Path $repo 'out/SalesScorecard/SalesScorecard.psd1')
    # The module keeps its MailKit to itself: the bare send loads the same files for its own use.
    foreach ($name in 'MimeKit', 'MailKit') { Add-Type -Path (Join-Path $repo "out/SalesScorecard/bin/$name.dll") }
    $env:SMTP_HOST = 'localhost'; $env:SMTP_PORT = $smtp.SmtpPort; $env:SMTP_USER = $smtp.User; $env:SMTP_PASS = $smtp.Password
    $env:SMTP_TRUSTED_CERT = $smtp.CertificateSha256; $env:BACKUP_NOTIFICATION_EMAIL = 'bench@example.org'
    $details = '{"backupPath":"backup-bench","backupSize":"1.2M","totalRows":"1432","tables":{"users":156,"evaluations":62}}'

    function Send-Bare {
        $client = [MailKit.Net.Smtp.SmtpClient]::new()
        try {
            $client.ServerCertificateValidationCallback = { param($s, $c, $ch, $e) [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($c.GetRawCertData())) -eq $smtp.CertificateSha256 }
            $client.Connect('localhost', $smtp.SmtpPort, [MailKit.Security.SecureSocketOptions]::StartTls)
            $client.Authenticate($smtp.User, $smtp.Password)
            $message = [MimeKit.MimeMessage]::new()
            $message.From.Add([MimeKit.MailboxAddress]::Parse('noreply@localhost'))
            $message.To.Add([MimeKit.MailboxAddress]::Parse('bench@example.org'))
            $message.Subject = 'bare'
            $body = [MimeKit.TextPart]::new('plain')
            $body.Text = 'bare'
            $message.Body = $body
            $client.Send($message) | Out-Null
            $client.Disconnect($true)
        } finally { $client.Dispose() }
    }

    function Get-Median([double[]] $Values) {
        $sorted = @($Values | Sort-Object)
        $middle = [math]::Floor($sorted.Count / 2)
        $sorted.Count % 2 ? $sorted[$middle] : ($sorted[$middle - 1] + $sorted[$middle]) / 2
    }

    Send-BackupNotification -Status Success -Details $details   # loads MailKit; both sides then run warm
    Send-Bare
    $ours = @(); $bare = @()
    for ($i = 0; $i -lt $Runs; $i++) {
        $ours += (Measure-Command { Send-BackupNotification -Status Success -Details $details }).TotalMilliseconds
        $bare += (Measure-Command { Send-Bare }).TotalMilliseconds
    }
    $oursMedian = Get-Median $ours
    $bareMedian = Get-Median $bare
    [pscustomobject]@{
        Runs                        = $Runs
        SendBackupNotificationMs    = [math]::Round($oursMedian, 1)
        BareMailKitSendMs           = [math]::Round($bareMedian, 1)
        Ratio                       = [math]::Round($oursMedian / $bareMedian, 3)
        GoalUnder300Ms              = $oursMedian -lt 300
    } | Format-List
} finally {
    Stop-TestSmtp $smtp
}
