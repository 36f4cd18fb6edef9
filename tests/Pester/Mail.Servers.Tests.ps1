# Mail against servers that behave as real ones do (issue 13): Postfix's sender restrictions, refused recipients,
# TLS-first ports, greylisting, dropped connections. Misbehaviour comes from the scripted peer, the normal path from smtp4dev.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Saved = Clear-MailSettingEnvironment
    $script:SmtpPassword = $env:SCORECARD_TEST_SMTP_PASS
    $script:PeerPassword = 'Peer-Smtp-Secret-2718'
    $script:Root = New-TestFolder
    $script:Certificate = New-TestCertificate

    # A scripted peer that speaks TLS (STARTTLS or TLS first), trusted by its fingerprint.
    function Use-TlsPeer($Peer, [string] $Security) {
        Use-ScriptedSmtpPeer $Peer
        $env:SMTP_SECURITY = $Security
        $env:SMTP_TRUSTED_CERT = Get-CertificateSha256 $Certificate
    }

    function Get-Failure([scriptblock] $Command) {
        try { & $Command; $null } catch { $_ }
    }

    # One send against a scripted peer, in plain text unless -Tls (that certificate offered with STARTTLS and pinned),
    # then with -Probe one Test-SmtpSettings. -To, -User (with the peer's password), -Timeout and -Send (the
    # parameters of Send-BackupNotification) adjust it. Returns the send's result or error, its warnings, the probe's
    # result, the lines the peer received and the messages it kept.
    function Invoke-AgainstPeer {
        param([hashtable] $Peer = @{}, [string] $To = (New-Recipient), [string] $User, [string] $Timeout,
            [System.Security.Cryptography.X509Certificates.X509Certificate2] $Tls, [hashtable] $Send = @{ Status = 'Success' }, [switch] $Probe)
        if ($Tls) { $Peer = $Peer + @{ StartTls = $true; Certificate = $Tls } }
        $server = Start-ScriptedSmtpPeer @Peer
        try {
            Set-SmtpEnvironment $To
            Use-ScriptedSmtpPeer $server -PlainText:(-not $Tls)
            if ($Tls) { $env:SMTP_TRUSTED_CERT = Get-CertificateSha256 $Tls }
            if ($User) { $env:SMTP_USER = $User; $env:SMTP_PASS = $PeerPassword }
            if ($Timeout) { $env:SMTP_TIMEOUT_SECONDS = $Timeout }
            $result = $err = $null
            try { $result = Send-BackupNotification @Send -PassThru -ErrorAction Stop -WarningVariable warnings -WarningAction SilentlyContinue } catch { $err = $_ }
            $probed = $Probe ? (Test-SmtpSettings -WarningAction SilentlyContinue) : $null
            [pscustomobject]@{ Result = $result; Error = $err; Warnings = "$warnings"; Probe = $probed; Log = $server.Log.ToArray(); Messages = $server.Messages.ToArray() }
        } finally { Stop-ScriptedSmtpPeer $server }
    }
}

AfterAll {
    Restore-SettingEnvironment $Saved
    Remove-Item -Recurse -Force $Root -ErrorAction SilentlyContinue
}

Describe 'Mail servers: A server that blames the sender at RCPT TO (Postfix sender restrictions)' {
    It 'says SmtpSenderRejected and points at SMTP_FROM for <Reply>' -ForEach @(
        @{ Reply = '554 5.7.1 <noreply@instorm.example>: Sender address rejected: Access denied' }
        @{ Reply = '553 5.1.8 <noreply@instorm.example>: Sender address rejected: Domain not found' }
        @{ Reply = '550 5.1.7 Bad sender mailbox address syntax' }
    ) {
        $run = Invoke-AgainstPeer @{ RcptReply = $Reply } -Probe
        $err, $probe = $run.Error, $run.Probe
        $err.FullyQualifiedErrorId | Should -BeLike 'SmtpSenderRejected,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match 'SMTP_FROM'
        $err.Exception.Message | Should -Not -Match 'BACKUP_NOTIFICATION_EMAIL'
        ($probe.Steps | Where-Object Step -eq 'Envelope').Status | Should -Be 'Failed'
        "$($probe.Advice)" | Should -Match 'SMTP_FROM'
        "$($probe.Advice)" | Should -Not -Match 'BACKUP_NOTIFICATION_EMAIL'
    }
}

Describe 'Mail servers: A server that refuses one recipient of several' {
    It 'delivers to the accepted one and warns about the refused one, on the result too' {
        $peer = Start-ScriptedSmtpPeer -RcptReply '250 2.1.5 OK', '550 5.1.1 <blocked@example.org>: Recipient address rejected: User unknown', '250 2.1.5 OK'
        try {
            Set-SmtpEnvironment 'good@example.org, blocked@example.org'
            Use-ScriptedSmtpPeer $peer -PlainText
            $result = Send-BackupNotification -Status Failure -ErrorMessage 'disk full' -PassThru -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop
            $log = $peer.Log.ToArray()
        } finally { Stop-ScriptedSmtpPeer $peer }
        $result.Sent | Should -BeTrue
        $result.Recipients | Should -Be @('good@example.org')
        $result.RefusedRecipients | Should -HaveCount 1
        $result.RefusedRecipients[0] | Should -Match 'blocked@example\.org.*550 5\.1\.1'
        "$warnings" | Should -Match 'blocked@example\.org'
        "$warnings" | Should -Match 'BACKUP_NOTIFICATION_EMAIL'
        @($log | Where-Object { $_ -eq 'DOT' }).Count | Should -Be 1
        $log | Should -Not -Contain 'RSET'
    }

    It 'says so in backup.log and on the backup when -Notify meets a refused recipient' {
        $database = New-TestDatabase
        $peer = Start-ScriptedSmtpPeer -RcptReply '550 5.1.1 <blocked@example.org>: Recipient address rejected', '250 2.1.5 OK'
        try {
            Set-SmtpEnvironment 'blocked@example.org, good@example.org'
            Use-ScriptedSmtpPeer $peer -PlainText
            $destination = Join-Path $Root 'notify-partial'
            $backup = Invoke-ScorecardBackup -DatabaseUrl (Get-TestDatabaseUrl $database) -Destination $destination -Notify -WarningVariable warnings -WarningAction SilentlyContinue
            $dots = Get-PeerCount $peer 'DOT'
        } finally { Stop-ScriptedSmtpPeer $peer; Remove-TestDatabase $database }
        $dots | Should -Be 1
        $backup.Notification | Should -Match '^Sent; not to blocked@example\.org \(550 5\.1\.1'
        "$warnings" | Should -Match 'blocked@example\.org'
        Get-Content (Join-Path $destination 'backup.log') -Raw | Should -Match 'NOTIFY  Sent; not to blocked@example\.org'
    }

    It 'fails with SmtpRecipientRejected, naming each, only when every recipient is refused' {
        $peer = Start-ScriptedSmtpPeer -RcptReply '550 5.1.1 User unknown'
        try {
            Set-SmtpEnvironment 'one@example.org, two@example.org'
            Use-ScriptedSmtpPeer $peer -PlainText
            $err = Get-Failure { Send-BackupNotification -Status Success -ErrorAction Stop }
            $dots = Get-PeerCount $peer 'DOT'
        } finally { Stop-ScriptedSmtpPeer $peer }
        $err.FullyQualifiedErrorId | Should -BeLike 'SmtpRecipientRejected,*'
        $err.Exception.Message | Should -Match 'one@example\.org.*two@example\.org'
        $dots | Should -Be 0
    }

    It 'sends the test message to the accepted recipients and warns in Test-SmtpSettings' {
        $peer = Start-ScriptedSmtpPeer -RcptReply '550 5.1.1 User unknown', '250 2.1.5 OK'
        try {
            Set-SmtpEnvironment 'blocked@example.org, good@example.org'
            Use-ScriptedSmtpPeer $peer -PlainText
            $result = Test-SmtpSettings -SendTestMessage -WarningAction SilentlyContinue
        } finally { Stop-ScriptedSmtpPeer $peer }
        ($result.Steps | Where-Object Step -eq 'Envelope').Status | Should -Be 'Warning'
        ($result.Steps | Where-Object Step -eq 'Send').Detail | Should -Match 'to good@example\.org \('
        "$($result.Advice)" | Should -Match 'blocked@example\.org'
    }
}

Describe 'Mail servers: Port 465 with SMTP_SECURITY=StartTls, and servers that never answer' {
    BeforeAll {
        # The real port when it is free (this runs as root), so that the advice about port 465 is tested as written.
        try { $script:TlsPeer = Start-ScriptedSmtpPeer -TlsFirst -Certificate $Certificate -Port 465 }
        catch { $script:TlsPeer = Start-ScriptedSmtpPeer -TlsFirst -Certificate $Certificate }
    }
    AfterAll { Stop-ScriptedSmtpPeer $TlsPeer }

    It 'Test-SmtpSettings returns its steps, failing Ehlo with the fix, and -Quiet says False' {
        Set-SmtpEnvironment (New-Recipient)
        Use-TlsPeer $TlsPeer 'StartTls'
        $env:SMTP_TIMEOUT_SECONDS = '20'
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $result = Test-SmtpSettings -ErrorAction Stop
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 12
        $result.Passed | Should -BeFalse
        $result.Steps.Step | Should -Be @('Settings', 'Dns', 'Connect', 'Ehlo', 'Tls', 'Authenticate', 'Envelope', 'Send')
        @($result.Steps | Where-Object Status -eq 'Failed').Step | Should -Be 'Ehlo'
        "$($result.Advice)" | Should -Match 'SMTP_SECURITY=SslOnConnect'
        if ($TlsPeer.Port -eq 465) { "$($result.Advice)" | Should -Match 'port 465 expects SslOnConnect' }
        Test-SmtpSettings -Quiet -ErrorAction Stop | Should -BeFalse
    }

    It 'Send-BackupNotification names the TLS-first server at once, and SslOnConnect then delivers' {
        Set-SmtpEnvironment (New-Recipient)
        Use-TlsPeer $TlsPeer 'StartTls'
        $env:SMTP_TIMEOUT_SECONDS = '30'
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $err = Get-Failure { Send-BackupNotification -Status Success -ErrorAction Stop }
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 12
        $err.FullyQualifiedErrorId | Should -BeLike 'SmtpSecurityMismatch,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match 'SMTP_SECURITY=SslOnConnect'
        $err.Exception.Message | Should -Not -Match 'firewall'
        $env:SMTP_SECURITY = 'SslOnConnect'
        (Send-BackupNotification -Status Success -PassThru -ErrorAction Stop).Sent | Should -BeTrue
        Get-PeerCount $TlsPeer 'DOT' | Should -Be 1
    }

    It 'Test-SmtpSettings reports a server that accepts and never answers, every time' {
        $peer = Start-ScriptedSmtpPeer -Silent
        try {
            Set-SmtpEnvironment (New-Recipient)
            Use-ScriptedSmtpPeer $peer -PlainText
            $env:SMTP_TIMEOUT_SECONDS = '3'
            $results = 1..2 | ForEach-Object { Test-SmtpSettings -ErrorAction Stop }
            $quiet = Test-SmtpSettings -Quiet -ErrorAction Stop
        } finally { Stop-ScriptedSmtpPeer $peer }
        foreach ($result in $results) {
            $result.Passed | Should -BeFalse
            $failed = @($result.Steps | Where-Object Status -eq 'Failed')
            $failed.Step | Should -Be 'Ehlo'
            $failed.Detail | Should -Match 'SMTP_TIMEOUT_SECONDS'
            $result.Advice | Should -Not -BeNullOrEmpty
        }
        $quiet | Should -BeFalse
    }
}

Describe 'Mail servers: A server with STARTTLS but no AUTH on the port' {
    It 'says the server offers no authentication on this port, never that STARTTLS is missing' {
        $peer = Start-ScriptedSmtpPeer -StartTls -Certificate $Certificate
        try {
            Set-SmtpEnvironment (New-Recipient)
            Use-TlsPeer $peer 'StartTls'
            $env:SMTP_USER = 'relay-user'
            $env:SMTP_PASS = $PeerPassword
            $output = Invoke-Capturing { Send-BackupNotification -Status Success -Verbose -ErrorAction Continue; Test-SmtpSettings -Verbose | Format-List * }
            $err = Get-Failure { Send-BackupNotification -Status Success -ErrorAction Stop }
            $probe = Test-SmtpSettings
        } finally { Stop-ScriptedSmtpPeer $peer }
        $err.FullyQualifiedErrorId | Should -BeLike 'SmtpAuthenticationNotOffered,*'
        $err.Exception.Message | Should -Match 'offers no authentication on this port'
        $err.Exception.Message | Should -Not -Match 'does not offer STARTTLS'
        ($probe.Steps | Where-Object Step -eq 'Tls').Status | Should -Be 'Passed'
        ($probe.Steps | Where-Object Step -eq 'Authenticate').Detail | Should -Match 'offers no authentication on this port'
        $output | Should -Not -Match $PeerPassword
    }
}

Describe 'Mail servers: Temporary (4xx) replies' {
    It 'retries a 4xx to <Stage>, then fails with SmtpDeferred and the reply' -ForEach @(
        @{ Stage = 'MAIL FROM'; Peer = @{ MailReply = '451 4.3.0 Temporary lookup failure' }; Reply = '451 4.3.0 Temporary lookup failure' }
        @{ Stage = 'AUTH'; Peer = @{ AuthReply = '454 4.7.0 Temporary authentication failure' }; Reply = '454.*Temporary authentication failure' }
        @{ Stage = 'RCPT TO'; Peer = @{ RcptReply = '451 4.7.1 Greylisted, try again in 300 seconds' }; Reply = '451 4.7.1 Greylisted' }
        @{ Stage = 'the message'; Peer = @{ DataReply = '451 4.3.0 Queue file write error' }; Reply = '451 4.3.0 Queue file write error' }
    ) {
        $peer = Start-ScriptedSmtpPeer @Peer
        try {
            Set-SmtpEnvironment (New-Recipient)
            Use-ScriptedSmtpPeer $peer -PlainText
            if ($Stage -eq 'AUTH') { $env:SMTP_USER = 'someone'; $env:SMTP_PASS = $PeerPassword }
            $output = Invoke-Capturing { Send-BackupNotification -Status Success -Verbose -ErrorAction Continue }
            $err = Get-Failure { Send-BackupNotification -Status Success -ErrorAction Stop }
            $connects = Get-PeerCount $peer 'CONNECT'
        } finally { Stop-ScriptedSmtpPeer $peer }
        $err.FullyQualifiedErrorId | Should -BeLike 'SmtpDeferred,*'
        $err.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $err.Exception.Message | Should -Match $Reply
        $err.Exception.Message | Should -Not -Match 'SMTP_FROM|BACKUP_NOTIFICATION_EMAIL|password'
        $connects | Should -Be 6      # three attempts for each of the two sends
        $output | Should -Not -Match $PeerPassword
    }

    It 'retries for -RetrySeconds in spaced attempts until a greylisting server accepts' {
        $peer = Start-ScriptedSmtpPeer -RcptReply '451 4.7.1 Greylisted', '451 4.7.1 Greylisted', '451 4.7.1 Greylisted', '250 2.1.5 OK'
        try {
            Set-SmtpEnvironment (New-Recipient)
            Use-ScriptedSmtpPeer $peer -PlainText
            $result = Send-BackupNotification -Status Success -RetrySeconds 20 -PassThru -ErrorAction Stop
            $dots = Get-PeerCount $peer 'DOT'
        } finally { Stop-ScriptedSmtpPeer $peer }
        $result.Sent | Should -BeTrue
        $result.Attempts | Should -Be 4
        $result.DurationSeconds | Should -BeGreaterThan 7    # 1 s, 2 s and 4 s apart: a twentieth of the window, doubling
        $dots | Should -Be 1
    }

    It 'gets a greylisted -Notify mail through within SMTP_RETRY_SECONDS, past the three quick attempts' {
        $database = New-TestDatabase
        $peer = Start-ScriptedSmtpPeer -RcptReply '451 4.7.1 Greylisted', '451 4.7.1 Greylisted', '451 4.7.1 Greylisted', '250 2.1.5 OK'
        try {
            Set-SmtpEnvironment (New-Recipient)
            Use-ScriptedSmtpPeer $peer -PlainText
            $env:SMTP_RETRY_SECONDS = '20'
            $backup = Invoke-ScorecardBackup -DatabaseUrl (Get-TestDatabaseUrl $database) -Destination (Join-Path $Root 'notify-greylisted') -Notify -ErrorAction Stop
            $connects = Get-PeerCount $peer 'CONNECT'
            $dots = Get-PeerCount $peer 'DOT'
        } finally { Stop-ScriptedSmtpPeer $peer; Remove-TestDatabase $database }
        $backup.Notification | Should -Be 'Sent'
        $connects | Should -Be 4
        $dots | Should -Be 1
    }

    It 'sends the retry only to the recipient the server deferred, never again to one that has the mail' {
        $peer = Start-ScriptedSmtpPeer -RcptReply '250 2.1.5 OK', '451 4.7.1 Greylisted', '250 2.1.5 OK'
        try {
            Set-SmtpEnvironment 'first@example.org, second@example.org'
            Use-ScriptedSmtpPeer $peer -PlainText
            $result = Send-BackupNotification -Status Success -PassThru -ErrorAction Stop
            $log = $peer.Log.ToArray()
        } finally { Stop-ScriptedSmtpPeer $peer }
        $result.Recipients | Should -Be @('first@example.org', 'second@example.org')
        $result.Attempts | Should -Be 2
        @($log | Where-Object { $_ -eq 'DOT' }).Count | Should -Be 2
        $secondSession = $log | Select-Object -Skip ([array]::LastIndexOf($log, 'CONNECT'))
        $secondSession | Where-Object { $_ -like 'RCPT*' } | Should -Be 'RCPT TO:<second@example.org>'
    }

    It 'shows SMTP_RETRY_SECONDS, 600 by default, in Get-ScorecardConfig' {
        $setting = Get-ScorecardConfig | Where-Object Name -eq 'SMTP_RETRY_SECONDS'
        $setting.Value | Should -Be '600'
        $setting.Description | Should -Match 'greylisting'
    }
}

Describe 'Mail servers: A connection dropped before the final dot' {
    It 'is retried: the message cannot have been delivered' {
        # Bigger than the socket buffers, so that the reset reaches the sender while it is still writing.
        $peer = Start-ScriptedSmtpPeer -DropBeforeDot 1
        try {
            Set-SmtpEnvironment (New-Recipient)
            Use-ScriptedSmtpPeer $peer -PlainText
            $env:SMTP_TIMEOUT_SECONDS = '60'
            $result = Send-BackupNotification -Status Failure -ErrorMessage ('pg_dump: error ' * 700000) -PassThru -ErrorAction Stop
            $log = $peer.Log.ToArray()
        } finally { Stop-ScriptedSmtpPeer $peer }
        $result.Attempts | Should -Be 2
        @($log | Where-Object { $_ -eq 'DROP' }).Count | Should -Be 1
        @($log | Where-Object { $_ -eq 'DOT' }).Count | Should -Be 1
    }

    It 'resends a small mail when the connection breaks right after 354, before the final dot left' {
        $run = Invoke-AgainstPeer @{ DropBeforeDot = 1; DropLines = 0 }
        $result, $log = $run.Result, $run.Log
        $result.Sent | Should -BeTrue
        $result.Attempts | Should -Be 2
        @($log | Where-Object { $_ -eq 'DROP' }).Count | Should -Be 1
        @($log | Where-Object { $_ -eq 'DOT' }).Count | Should -Be 1
    }
}

Describe 'Mail servers: A 5xx at MAIL FROM, read by its enhanced status code' {
    It 'says <Id> for <Reply>' -ForEach @(
        @{ Reply = '552 5.3.4 Message size exceeds fixed limit'; Id = 'SmtpMessageTooBig'; Says = 'too big'; Not = 'SMTP_FROM' }
        @{ Reply = '553 5.1.8 <noreply@instorm.example>: Sender address rejected: Domain not found'; Id = 'SmtpSenderRejected'; Says = 'SMTP_FROM'; Not = 'too big' }
        @{ Reply = '550 5.7.1 Sender not owned by the account'; Id = 'SmtpSenderRejected'; Says = 'SMTP_FROM'; Not = 'too big' }
    ) {
        $err = (Invoke-AgainstPeer @{ MailReply = $Reply }).Error
        $err.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $err.Exception.Message | Should -Match $Says
        $err.Exception.Message | Should -Not -Match $Not
        $err.Exception.Message | Should -Match ([regex]::Escape($Reply.Substring(0, 9)))
    }

    It 'shortens a failure mail to the SIZE the server offers and sends it, saying so in the mail' {
        $long = 'pg_dump: error: query failed: ERROR: out of memory for query result ' * 2000
        $run = Invoke-AgainstPeer @{ MaxSize = 40000; KeepMessages = $true } -Send @{ Status = 'Failure'; ErrorMessage = "FIRST-LINE $long LAST-LINE" }
        $mails = @($run.Log | Where-Object { $_ -like 'MAIL FROM*' })
        $message = ($run.Messages | Select-Object -Last 1) -replace "=`r?`n", ''
        $run.Result.Sent | Should -BeTrue
        $mails | Should -HaveCount 2
        [long]($mails[0] -replace '.*SIZE=(\d+).*', '$1') | Should -BeGreaterThan 40000
        [long]($mails[1] -replace '.*SIZE=(\d+).*', '$1') | Should -BeLessOrEqual 40000
        @($run.Log | Where-Object { $_ -eq 'DOT' }).Count | Should -Be 1
        $message | Should -Match 'shortened'
        $message | Should -Match '40[ ,.\u00a0]?000 bytes'
        $message | Should -Match 'FIRST-LINE'
        $message | Should -Match 'LAST-LINE'
        $run.Warnings | Should -Match 'shortened'
    }
}

Describe 'Mail servers: A server that wants a login while SMTP_USER is empty' {
    It 'says SmtpLoginRequired, set SMTP_USER and SMTP_PASS, for <Reply> at <Stage>' -ForEach @(
        @{ Stage = 'MAIL FROM'; Reply = '530 5.7.0 Authentication Required'; Peer = @{ MailReply = '530 5.7.0 Authentication Required' } }
        @{ Stage = 'RCPT TO'; Reply = '554 5.7.1 <localhost[127.0.0.1]>: Client host rejected: Access denied'; Peer = @{ RcptReply = '554 5.7.1 <localhost[127.0.0.1]>: Client host rejected: Access denied' } }
    ) {
        $run = Invoke-AgainstPeer ($Peer + @{ AuthReply = '235 2.7.0 Authentication successful' }) -Probe
        $err, $probe = $run.Error, $run.Probe
        $err.FullyQualifiedErrorId | Should -BeLike 'SmtpLoginRequired,*'
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $err.Exception.Message | Should -Match 'SMTP_USER and SMTP_PASS'
        $err.Exception.Message | Should -Match ([regex]::Escape($Reply.Substring(0, 9)))
        $err.Exception.Message | Should -Not -Match 'BACKUP_NOTIFICATION_EMAIL|Set SMTP_FROM'
        "$($probe.Advice)" | Should -Match 'SMTP_USER and SMTP_PASS'
        "$($probe.Advice)" | Should -Not -Match 'BACKUP_NOTIFICATION_EMAIL'
    }
}

Describe 'Mail servers: SMTP_TIMEOUT_SECONDS is the wait for each reply' {
    It 'delivers through a server that takes 3 s for every reply with SMTP_TIMEOUT_SECONDS=5' {
        $result = (Invoke-AgainstPeer @{ ReplyDelaySeconds = 3 } -Timeout 5).Result
        $result.Sent | Should -BeTrue
        $result.Attempts | Should -Be 1
        $result.DurationSeconds | Should -BeGreaterThan 5
    }

    It 'still fails on a server that never answers, saying to raise SMTP_TIMEOUT_SECONDS' {
        $err = (Invoke-AgainstPeer @{ Silent = $true } -Timeout 3).Error
        $err.FullyQualifiedErrorId | Should -BeLike 'SmtpNotReachable,*'
        $err.Exception.Message | Should -Match 'raise SMTP_TIMEOUT_SECONDS'
    }
}

Describe 'Mail servers: Smaller server behaviours' {
    It 'accepts a pinned certificate that has expired, with a warning' {
        $run = Invoke-AgainstPeer -Tls (New-TestCertificate -Expired) -Probe
        $run.Result.Sent | Should -BeTrue
        $run.Warnings | Should -Match 'expired'
        $run.Warnings | Should -Match 'SMTP_TRUSTED_CERT'
        $tls = $run.Probe.Steps | Where-Object Step -eq 'Tls'
        $tls.Status | Should -Be 'Warning'
        $tls.Detail | Should -Match 'expired'
    }

    It 'keeps the server''s text for a recipient deferred with 451, and does not blame BACKUP_NOTIFICATION_EMAIL' {
        $run = Invoke-AgainstPeer @{ RcptReply = '250 2.1.5 OK', '451 4.7.1 Greylisted, try again later' } -To 'first@example.org, second@example.org'
        $result, $warnings = $run.Result, $run.Warnings
        $result.Recipients | Should -Be @('first@example.org')
        $result.RefusedRecipients | Should -HaveCount 1
        $result.RefusedRecipients[0] | Should -Match 'second@example\.org.*451 4\.7\.1 Greylisted, try again later'
        "$warnings" | Should -Match 'second@example\.org'
        "$warnings" | Should -Not -Match 'BACKUP_NOTIFICATION_EMAIL'
    }

    It 'names a 421 greeting with a catalog error and in Test-SmtpSettings, never a raw exception' {
        $run = Invoke-AgainstPeer @{ Greeting = '421 4.3.2 Service not available, closing transmission channel' } -Probe
        $err, $probe = $run.Error, $run.Probe
        $err.FullyQualifiedErrorId | Should -BeLike 'SmtpNotReachable,*'
        $err.Exception.Message | Should -Match '421 4\.3\.2'
        $err.Exception.Message | Should -Not -Match 'Exception'
        $ehlo = $probe.Steps | Where-Object Step -eq 'Ehlo'
        $ehlo.Status | Should -Be 'Failed'
        $ehlo.Detail | Should -Match '421'
        $ehlo.Detail | Should -Not -Match 'Exception'
        "$($probe.Advice)" | Should -Match 'later'
    }

    It 'tries a wrong password once, with one mechanism, not PLAIN and then LOGIN' {
        $run = Invoke-AgainstPeer @{ AuthReply = '535 5.7.8 Error: authentication failed' } -User 'someone' -Probe
        $err, $probe = $run.Error, $run.Probe
        $auths = @($run.Log | Where-Object { $_ -like 'AUTH*' })
        $err.FullyQualifiedErrorId | Should -BeLike 'SmtpAuthenticationFailed,*'
        ($probe.Steps | Where-Object Step -eq 'Authenticate').Status | Should -Be 'Failed'
        $auths | Should -HaveCount 2      # one for the send, one for the probe
        $auths | Should -Not -Match ([regex]::Escape($PeerPassword))
    }
}

Describe 'Mail servers: Send-BackupNotification -Details in the usual forms' {
    BeforeAll {
        $script:JsonFile = Join-Path $Root 'details.json'
        Set-Content -Path $JsonFile -Value '{"error":"from a file","tables":{"users":2}}'
    }

    It 'accepts <Form>' -ForEach @(
        @{ Form = 'ConvertTo-Json output'; Send = { param($to) Send-BackupNotification -Status Failure -Details (@{ error = 'from json'; tables = @{ users = 2 } } | ConvertTo-Json) -To $to -ErrorAction Stop }; Expect = 'from json' }
        @{ Form = 'Get-Content -Raw output'; Send = { param($to) Send-BackupNotification -Status Failure -Details (Get-Content $JsonFile -Raw) -To $to -ErrorAction Stop }; Expect = 'from a file' }
        @{ Form = 'Get-Content lines'; Send = { param($to) Send-BackupNotification -Status Failure -Details (Get-Content $JsonFile) -To $to -ErrorAction Stop }; Expect = 'from a file' }
        @{ Form = 'a hashtable through the pipeline'; Send = { param($to) @{ error = 'from a hashtable'; tables = @{ users = 2 } } | Send-BackupNotification -Status Failure -To $to -ErrorAction Stop }; Expect = 'from a hashtable' }
        @{ Form = 'an ordered dictionary through the pipeline'; Send = { param($to) [ordered]@{ error = 'from ordered'; tables = [ordered]@{ users = 2 } } | Send-BackupNotification -Status Failure -To $to -ErrorAction Stop }; Expect = 'from ordered' }
        @{ Form = 'ConvertFrom-Json objects through the pipeline'; Send = { param($to) Get-Content $JsonFile -Raw | ConvertFrom-Json | Send-BackupNotification -Status Failure -To $to -ErrorAction Stop }; Expect = 'from a file' }
        @{ Form = 'a JSON string through the pipeline'; Send = { param($to) Get-Content $JsonFile -Raw | Send-BackupNotification -Status Failure -To $to -ErrorAction Stop }; Expect = 'from a file' }
    ) {
        $to = New-Recipient
        Set-SmtpEnvironment $to
        & $Send $to
        $message = Wait-Delivered $to
        $message.Text | Should -Match ([regex]::Escape($Expect))
        if ($Form -notmatch 'json output') { $message.Text | Should -Match 'users: 2' }
    }

    It 'still refuses what is not details, with InvalidDetails' {
        Set-SmtpEnvironment (New-Recipient)
        $err = Get-Failure { Send-BackupNotification -Status Failure -Details 42 -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidDetails,*'
    }
}

Describe 'Mail servers: What a failure mail says' {
    BeforeAll {
        $script:Database = New-TestDatabase
    }
    AfterAll { Remove-TestDatabase $Database }

    It 'shows only this run''s lines of backup.log, in a block that wraps' {
        $to = New-Recipient
        Set-SmtpEnvironment $to
        $destination = Join-Path $Root 'failure-runs'
        $wrongPassword = Get-TestDatabaseUrl $Database -Password 'Wrong-Db-Secret-4711'
        { Invoke-ScorecardBackup -DatabaseUrl $wrongPassword -Destination $destination -Notify -ErrorAction Stop } | Should -Throw
        Wait-Delivered $to | Out-Null
        { Invoke-ScorecardBackup -DatabaseUrl (Get-TestDatabaseUrl 'no_such_database') -Destination $destination -Notify -ErrorAction Stop } | Should -Throw
        $second = (Wait-Delivered $to -Count 2) | Where-Object { $_.Text -match 'DatabaseNotFound' }
        $second | Should -HaveCount 1
        $tail = ($second.Text -split 'Last lines of backup.log:')[1]
        $tail | Should -Match 'START'
        $tail | Should -Not -Match 'DatabaseAuthenticationFailed'
        $second.Html | Should -Match '<pre style="white-space:pre-wrap;overflow-wrap:anywhere'
        $second.Html | Should -Match 'name="viewport"'
    }

    It 'adds the error id, the database and the failed run''s lines to -Status Failure -Details ''{"error":...}''' {
        $to = New-Recipient
        Set-SmtpEnvironment $to
        $destination = Join-Path $Root 'upstream-failure'
        $env:BACKUP_DIR = $destination
        $env:DATABASE_URL = Get-TestDatabaseUrl $Database -Password 'Wrong-Db-Secret-4711'
        { Invoke-ScorecardBackup -ErrorAction Stop } | Should -Throw
        Send-BackupNotification -Status Failure -Details '{"error":"pg_dump exited with code 1"}' -ErrorAction Stop
        $message = Wait-Delivered $to
        foreach ($part in $message.Text, $message.Html) {
            $part | Should -Match 'pg_dump exited with code 1'
            $part | Should -Match 'DatabaseAuthenticationFailed'
            $part | Should -Match 'Last lines of backup.log'
            $part | Should -Match ([regex]::Escape($Database))
        }
        $message.Raw | Should -Not -Match 'Wrong-Db-Secret-4711'
    }

    It 'reads only the tail of a large backup.log' {
        $to = New-Recipient
        Set-SmtpEnvironment $to
        $destination = Join-Path $Root 'large-log'
        New-Item -ItemType Directory $destination | Out-Null
        $path = Join-Path $destination 'backup.log'
        # 200 MB of earlier runs (sparse: no disk used), then a run that failed a minute ago.
        $stream = [IO.File]::Open($path, 'CreateNew')
        try { $stream.SetLength(200MB) } finally { $stream.Dispose() }
        $at = [DateTime]::UtcNow.AddMinutes(-1).ToString('yyyy-MM-ddTHH:mm:ssZ')
        $lines = @("$at START   backup of big", (1..30 | ForEach-Object { "$at INFO    step $_ of the big run" }), "$at FAILED  BackupFailed: pg_dump: error: THE-LAST-WORDS") | ForEach-Object { $_ }
        [IO.File]::AppendAllText($path, "`n" + ($lines -join "`n") + "`n")
        $env:BACKUP_DIR = $destination
        $before = [GC]::GetTotalAllocatedBytes($true)
        Send-BackupNotification -Status Failure -Details '{"error":"pg_dump exited with code 1"}' -ErrorAction Stop
        $allocated = [GC]::GetTotalAllocatedBytes($true) - $before
        $message = Wait-Delivered $to
        $message.Text | Should -Match 'THE-LAST-WORDS'
        $message.Text | Should -Match 'step 30 of the big run'
        $message.Text | Should -Not -Match 'step 5 of the big run'    # 20 lines: the run's last ones
        $message.Text | Should -Match 'BackupFailed'
        $allocated | Should -BeLessThan 100MB
    }

    It 'adds no log lines when the newest run in backup.log succeeded' {
        $to = New-Recipient
        Set-SmtpEnvironment $to
        $destination = Join-Path $Root 'upstream-after-success'
        $env:BACKUP_DIR = $destination
        $env:DATABASE_URL = Get-TestDatabaseUrl $Database
        Invoke-ScorecardBackup -ErrorAction Stop | Out-Null
        Send-BackupNotification -Status Failure -Details '{"error":"the upload failed"}' -ErrorAction Stop
        $message = Wait-Delivered $to
        $message.Text | Should -Match 'the upload failed'
        $message.Text | Should -Not -Match 'Last lines of backup.log'
        $message.Text | Should -Match ([regex]::Escape($Database))
    }
}

Describe 'Mail servers: The test message and the Message-ID' {
    It 'says it is a test from Test-SmtpSettings, with the settings it used and no secret' {
        $to = New-Recipient
        Set-SmtpEnvironment $to
        (Test-SmtpSettings -SendTestMessage).Passed | Should -BeTrue
        $message = Wait-Delivered $to
        foreach ($part in $message.Text, $message.Html) {
            $part | Should -Match 'test message from Test-SmtpSettings'
            $part | Should -Not -Match 'Backup completed successfully'
            $part | Should -Match ([regex]::Escape("$($env:SMTP_HOST):$($env:SMTP_PORT)"))
            $part | Should -Match 'StartTls'
            $part | Should -Match ([regex]::Escape($env:SMTP_USER))
        }
        $message.Raw | Should -Not -Match ([regex]::Escape($SmtpPassword))
    }

    It 'uses the fully qualified host name in the Message-ID where there is one, else the sender''s domain' {
        $to = New-Recipient
        Set-SmtpEnvironment $to
        Send-BackupNotification -Status Success -ErrorAction Stop
        $message = Wait-Delivered $to
        $canonical = [Net.Dns]::GetHostEntry([Net.Dns]::GetHostName()).HostName
        $expected = $canonical -match '\.' -and $canonical -notmatch '^localhost|\.localdomain$' ? $canonical : 'instorm.example'
        $message.Raw | Should -Match "(?m)^Message-I[dD]: <[^@>]+@$([regex]::Escape($expected))>"
    }
}
