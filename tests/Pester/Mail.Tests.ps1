BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Saved = Clear-MailSettingEnvironment
    $script:SmtpPassword = $env:SCORECARD_TEST_SMTP_PASS
    $script:Root = New-TestFolder
}

AfterAll {
    Restore-SettingEnvironment $Saved
    Remove-Item -Recurse -Force $Root -ErrorAction SilentlyContinue
}

Describe 'Send-BackupNotification through smtp4dev' {
    It 'sends upstream''s success mail from the seed''s JSON: both parts, over TLS, to every recipient' {
        $to = New-Recipient
        $second = New-Recipient
        Set-SmtpEnvironment "$to, $second"
        $result = Send-BackupNotification -Status Success -Details '{"backupPath":"test-backup","backupSize":"1.2M","totalRows":"1432"}' -PassThru
        $result.Sent | Should -BeTrue
        $result.Attempts | Should -Be 1
        $result.Recipients | Should -Be @($to, $second)
        $message = Wait-Delivered $to
        $message.Subject | Should -BeLike '✅ Database Backup Successful - *'
        $message.SecureConnection | Should -BeTrue
        $message.To | Should -Contain $second
        $message.Raw | Should -Match 'multipart/alternative'
        $message.Raw | Should -Match 'text/plain'
        $message.Raw | Should -Match 'text/html'
        foreach ($part in $message.Text, $message.Html) {
            $part | Should -Match 'Backup completed successfully'
            $part | Should -Match 'test-backup'
            $part | Should -Match '1\.2M'
            $part | Should -Match '1432'
            $part | Should -Match 'System: Sales Scorecard Production'
        }
    }

    It 'reads BACKUP_NOTIFICATION_EMAIL as an RFC 5322 address list: a comma in a quoted name separates nothing' {
        $to = New-Recipient
        $other = New-Recipient
        Set-SmtpEnvironment "`"Василев, Захари`" <$to>, $other"
        $result = Send-BackupNotification -Status Success -PassThru -ErrorAction Stop
        $result.Recipients | Should -Be @($to, $other)
        (Wait-Delivered $to).Raw | Should -Match ([regex]::Escape($to))
        $env:BACKUP_NOTIFICATION_EMAIL = "$to; $other"
        (Send-BackupNotification -Status Success -PassThru -ErrorAction Stop).Recipients | Should -Be @($to, $other)
    }

    It 'sends upstream''s failure mail with the error escaped in HTML' {
        $to = New-Recipient
        Set-SmtpEnvironment $to
        Send-BackupNotification -Status Failure -Details '{"error":"<script>alert(\"x\")</script> & more"}'
        $message = Wait-Delivered $to
        $message.Subject | Should -BeLike '❌ Database Backup Failed - *'
        $message.Html | Should -Not -Match '<script>'
        $message.Html | Should -Match '&lt;script&gt;'
        $message.Text | Should -Match ([regex]::Escape('<script>alert("x")</script> & more'))
        $message.Text | Should -Match 'Backup failed'
    }

    It 'renders a backup''s rows per table, in the configured zone and culture' {
        $to = New-Recipient
        Set-SmtpEnvironment $to
        $env:NOTIFICATION_TIMEZONE = 'Europe/Sofia'
        $env:NOTIFICATION_CULTURE = 'bg-BG'
        # A script's own record of a backup, as Send-BackupNotification binds it: the BackupInfo properties it names.
        $backup = @{
            Name = 'backup-2026-11-25T21-00-00'; Path = '/var/backups/backup-2026-11-25T21-00-00'; Status = 'Succeeded'
            StartedAt = [datetime]::SpecifyKind('2026-11-25T21:00:00', 'Utc'); CompletedAt = [datetime]::SpecifyKind('2026-11-25T21:00:04', 'Utc')
            Database = 'scorecard'; Host = 'db:5432'; SizeBytes = 1258291; TotalRows = 1432; Verified = $true
            Tables = [ordered]@{ 'public.users' = 156L; 'public.evaluations' = 62L }
        }
        Send-BackupNotification -InputObject $backup
        $message = Wait-Delivered $to
        $message.Subject | Should -Be '✅ Database Backup Successful - 25.11.2026 г.'
        $message.Text | Should -Match '23:00:04'            # 21:00 UTC is 23:00 in Sofia
        $message.Text | Should -Match 'public\.users: 156'
        $message.Html | Should -Match 'public\.evaluations'
        $message.Text | Should -Match '1\.2 MB'
    }

    It 'accepts the hashtable form of -Details with its tables' {
        $to = New-Recipient
        Set-SmtpEnvironment $to
        Send-BackupNotification -Status Success -Details @{ backupPath = 'backup-x'; totalRows = 3; tables = @{ users = 2; companies = 1 } } -To $to
        (Wait-Delivered $to).Text | Should -Match 'users: 2'
    }

    It 'sends nothing, with a warning naming the missing keys, when mail is not configured' {
        Set-SmtpEnvironment ''
        $env:BACKUP_NOTIFICATION_EMAIL = $null
        $result = Send-BackupNotification -Status Success -PassThru -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop
        $result | Should -BeNullOrEmpty
        "$warnings" | Should -Match 'BACKUP_NOTIFICATION_EMAIL'
    }

    It 'sends nothing under -WhatIf' {
        $to = New-Recipient
        Set-SmtpEnvironment $to
        Send-BackupNotification -Status Success -WhatIf
        Start-Sleep -Milliseconds 500
        @(Get-DeliveredMessage -To $to) | Should -BeNullOrEmpty
    }
}

Describe 'Send-BackupNotification failures' {
    It 'fails with SmtpAuthenticationFailed on a wrong password, which appears nowhere' {
        Set-SmtpEnvironment (New-Recipient)
        $env:SMTP_PASS = 'Wrong-Smtp-Secret-4711'
        $output = Invoke-Capturing { Send-BackupNotification -Status Success -Verbose -Debug -ErrorAction Stop }
        $err = { Send-BackupNotification -Status Success -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'SmtpAuthenticationFailed,SalesScorecard.PowerShell.SendBackupNotificationCommand'
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $err.Exception.Message | Should -Match 'App Password'
        $output | Should -Match 'SmtpAuthenticationFailed'
        $output | Should -Not -Match 'Wrong-Smtp-Secret-4711'
    }

    It 'fails with SmtpNotReachable on a closed port, well inside the deadline' {
        Set-SmtpEnvironment (New-Recipient)
        $env:SMTP_PORT = Get-UnusedPort
        $env:SMTP_TIMEOUT_SECONDS = '20'
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $err = { Send-BackupNotification -Status Success -ErrorAction Stop } | Should -Throw -PassThru
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
        $err.FullyQualifiedErrorId | Should -BeLike 'SmtpNotReachable,*'
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
    }

    It 'fails with SmtpTlsFailed on the self-signed certificate without SMTP_TRUSTED_CERT, naming it' {
        Set-SmtpEnvironment (New-Recipient)
        $env:SMTP_TRUSTED_CERT = $null
        $err = { Send-BackupNotification -Status Success -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'SmtpTlsFailed,*'
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
        $err.Exception.Message | Should -Match 'CN=localhost'
        $err.Exception.Message | Should -Match $env:SCORECARD_TEST_SMTP_CERT_SHA256
        $err.Exception.Message | Should -Match 'SMTP_TRUSTED_CERT'
    }

    It 'fails with SmtpTlsFailed when SMTP_TRUSTED_CERT is another certificate''s fingerprint' {
        Set-SmtpEnvironment (New-Recipient)
        $env:SMTP_TRUSTED_CERT = 'AB' * 32
        $err = { Send-BackupNotification -Status Success -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'SmtpTlsFailed,*'
        $err.Exception.Message | Should -Match 'not this certificate'
    }

    It 'trusts the certificate by its SHA-256 fingerprint' {
        $to = New-Recipient
        Set-SmtpEnvironment $to
        $env:SMTP_TRUSTED_CERT = ($env:SCORECARD_TEST_SMTP_CERT_SHA256 -replace '(..)(?!$)', '$1:').ToLowerInvariant()
        (Send-BackupNotification -Status Success -PassThru).Sent | Should -BeTrue
    }

    It 'refuses SMTP_SECURITY=None silently falling back: STARTTLS is required unless None is written' {
        $peer = Start-ScriptedSmtpPeer
        try {
            Set-SmtpEnvironment (New-Recipient)
            Use-ScriptedSmtpPeer $peer
            $err = { Send-BackupNotification -Status Success -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'SmtpTlsFailed,*'
            $err.Exception.Message | Should -Match 'does not offer STARTTLS'
            $peer.Log.ToArray() | Should -Not -Contain 'DATA'
        } finally { Stop-ScriptedSmtpPeer $peer }
    }

    It 'fails with SmtpRecipientRejected naming the address, without retrying a 550' {
        $peer = Start-ScriptedSmtpPeer -RcptReply '550 5.1.1 No such user here'
        try {
            Set-SmtpEnvironment 'nobody@example.org'
            Use-ScriptedSmtpPeer $peer -PlainText
            $err = { Send-BackupNotification -Status Success -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'SmtpRecipientRejected,*'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err.Exception.Message | Should -Match 'nobody@example\.org'
            @($peer.Log.ToArray() | Where-Object { $_ -eq 'CONNECT' }).Count | Should -Be 1
        } finally { Stop-ScriptedSmtpPeer $peer }
    }

    It 'retries a 421 greeting three times, then fails with SmtpNotReachable' {
        $peer = Start-ScriptedSmtpPeer -Greeting '421 4.3.2 Service busy, try later'
        try {
            Set-SmtpEnvironment (New-Recipient)
            Use-ScriptedSmtpPeer $peer -PlainText
            $err = { Send-BackupNotification -Status Success -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'SmtpNotReachable,*'
            $err.Exception.Message | Should -Match '421'
            @($peer.Log.ToArray() | Where-Object { $_ -eq 'CONNECT' }).Count | Should -Be 3
        } finally { Stop-ScriptedSmtpPeer $peer }
    }

    It 'never resends once the final dot was sent: a connection dropped then may have delivered the mail' {
        $peer = Start-ScriptedSmtpPeer -DropAfterData
        try {
            Set-SmtpEnvironment (New-Recipient)
            Use-ScriptedSmtpPeer $peer -PlainText
            $err = { Send-BackupNotification -Status Success -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'SmtpSendFailed,*'
            $err.Exception.Message | Should -Match 'may have been delivered'
            @($peer.Log.ToArray() | Where-Object { $_ -eq 'DATA' }).Count | Should -Be 1
        } finally { Stop-ScriptedSmtpPeer $peer }
    }

    It 'rejects an SMTP_SECURITY it does not know with InvalidSetting' {
        Set-SmtpEnvironment (New-Recipient)
        $env:SMTP_SECURITY = 'Auto'
        $err = { Send-BackupNotification -Status Success -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidSetting,*'
        $err.Exception.Message | Should -Match 'SMTP_SECURITY'
    }
}

Describe 'Test-SmtpSettings' {
    It 'passes every step against smtp4dev, sending nothing unless asked' {
        $to = New-Recipient
        Set-SmtpEnvironment $to
        $result = Test-SmtpSettings
        $result.Passed | Should -BeTrue
        $result.Steps.Step | Should -Be @('Settings', 'Dns', 'Connect', 'Ehlo', 'Tls', 'Authenticate', 'Envelope', 'Send')
        ($result.Steps | Where-Object Step -eq 'Send').Status | Should -Be 'Skipped'
        ($result.Steps | Where-Object Step -eq 'Tls').Detail | Should -Match 'SMTP_TRUSTED_CERT'
        ($result.Steps | Where-Object Step -eq 'Envelope').Detail | Should -Match 'RSET'
        Start-Sleep -Milliseconds 300
        @(Get-DeliveredMessage -To $to) | Should -BeNullOrEmpty
        Test-SmtpSettings -Quiet | Should -BeTrue
    }

    It 'sends a test message with -SendTestMessage' {
        $to = New-Recipient
        Set-SmtpEnvironment $to
        (Test-SmtpSettings -SendTestMessage).Passed | Should -BeTrue
        (Wait-Delivered $to).Subject | Should -BeLike 'SalesScorecard SMTP test*'
    }

    It 'names <Failing> as the failing step when <Why>' -ForEach @(
        @{ Failing = 'Settings'; Why = 'SMTP_HOST is missing' }
        @{ Failing = 'Dns'; Why = 'the host does not resolve' }
        @{ Failing = 'Connect'; Why = 'nothing listens' }
        @{ Failing = 'Tls'; Why = 'the certificate is not trusted' }
        @{ Failing = 'Authenticate'; Why = 'the password is wrong' }
        @{ Failing = 'Envelope'; Why = 'the recipient is refused' }
        @{ Failing = 'Ehlo'; Why = 'STARTTLS is not offered' }
    ) {
        $peer = $null
        Set-SmtpEnvironment (New-Recipient)
        switch ($Failing) {
            'Settings' { $env:SMTP_HOST = $null }
            'Dns' { $env:SMTP_HOST = 'no-such-host.invalid' }
            'Connect' { $env:SMTP_PORT = Get-UnusedPort }
            'Tls' { $env:SMTP_TRUSTED_CERT = $null }
            'Authenticate' { $env:SMTP_PASS = 'Wrong-Smtp-Secret-4711' }
            default {
                $peer = $Failing -eq 'Envelope' ? (Start-ScriptedSmtpPeer -RcptReply '550 5.1.1 No such user') : (Start-ScriptedSmtpPeer)
                Use-ScriptedSmtpPeer $peer -PlainText:($Failing -eq 'Envelope')
            }
        }
        try {
            $output = Invoke-Capturing { Test-SmtpSettings -Verbose -Debug | Format-List * }
            $result = Test-SmtpSettings
        } finally { if ($peer) { Stop-ScriptedSmtpPeer $peer } }
        $result.Passed | Should -BeFalse
        $failed = @($result.Steps | Where-Object Status -eq 'Failed')
        $failed.Count | Should -Be 1
        $failed[0].Step | Should -Be $Failing
        $after = $result.Steps | Select-Object -Skip ([array]::IndexOf($result.Steps.Step, $Failing) + 1)
        $after.Status | Sort-Object -Unique | Should -Be 'Skipped'
        $result.Advice | Should -Not -BeNullOrEmpty
        $output | Should -Not -Match 'Wrong-Smtp-Secret-4711'
        $output | Should -Not -Match ([regex]::Escape($SmtpPassword))
    }

    It 'gives Gmail''s advice for a refused login on a Gmail-like host' {
        Set-SmtpEnvironment (New-Recipient)
        $env:SMTP_PASS = 'Wrong-Smtp-Secret-4711'
        $credential = [pscredential]::new($env:SCORECARD_TEST_SMTP_USER, (ConvertTo-SecureString 'Also-Wrong-0815' -AsPlainText -Force))
        $result = Test-SmtpSettings -Credential $credential
        ($result.Steps | Where-Object Step -eq 'Authenticate').Status | Should -Be 'Failed'
        ($result | Out-String) | Should -Not -Match 'Also-Wrong-0815'
    }
}

Describe 'Invoke-ScorecardBackup -Notify' {
    BeforeAll {
        $script:Database = New-TestDatabase
        $script:Url = Get-TestDatabaseUrl $Database
    }
    AfterAll { Remove-TestDatabase $Database }

    It 'mails a success with the rows per table, and says so on the output and in the log' {
        $to = New-Recipient
        Set-SmtpEnvironment $to
        $destination = Join-Path $Root 'notify-success'
        $backup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination -Notify
        $backup.Notification | Should -Be 'Sent'
        $message = Wait-Delivered $to
        $message.Subject | Should -BeLike '✅*'
        $message.Text | Should -Match ([regex]::Escape($backup.Name))
        $message.Text | Should -Match 'public\.users: 156'
        $message.Text | Should -Match "Total rows: $($backup.TotalRows)"
        $message.Text | Should -Match "Stored as: zstd:1, not encrypted"
        Get-Content (Join-Path $destination 'backup.log') -Raw | Should -Match 'NOTIFY  Sent'
    }

    It 'mails a failure with its error id and the log''s last lines, and still fails' {
        $to = New-Recipient
        Set-SmtpEnvironment $to
        $destination = Join-Path $Root 'notify-failure'
        $bad = Get-TestDatabaseUrl $Database -Password 'Wrong-Db-Secret-4711'
        $err = { Invoke-ScorecardBackup -DatabaseUrl $bad -Destination $destination -Notify -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'DatabaseAuthenticationFailed,*'
        $message = Wait-Delivered $to
        $message.Subject | Should -BeLike '❌*'
        $message.Text | Should -Match 'DatabaseAuthenticationFailed'
        $message.Text | Should -Match 'Last lines of backup.log'
        $message.Text | Should -Match 'START'
        $message.Raw | Should -Not -Match 'Wrong-Db-Secret-4711'
    }

    It 'keeps a good backup good when the mail fails' {
        Set-SmtpEnvironment (New-Recipient)
        $env:SMTP_PASS = 'Wrong-Smtp-Secret-4711'
        $destination = Join-Path $Root 'notify-mail-fails'
        $backup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination -Notify -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop
        $backup.Status | Should -Be 'Succeeded'
        $backup.Notification | Should -BeLike 'Failed: SmtpAuthenticationFailed*'
        "$warnings" | Should -Match 'not sent'
        Get-Content (Join-Path $destination 'backup.log') -Raw | Should -Match 'NOTIFY  Failed: SmtpAuthenticationFailed'
    }

    It 'goes on without mail when SMTP is not configured' {
        Set-SmtpEnvironment ''
        $env:SMTP_HOST = $null
        $env:BACKUP_NOTIFICATION_EMAIL = $null
        $backup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination (Join-Path $Root 'notify-unconfigured') -Notify -WarningAction SilentlyContinue
        $backup.Status | Should -Be 'Succeeded'
        $backup.Notification | Should -Match '^Skipped: not configured \(SMTP_HOST and BACKUP_NOTIFICATION_EMAIL not set\)'
    }
}

Describe 'Test-ScorecardBackup -Notify, the watchdog' {
    BeforeAll {
        $script:Database = New-TestDatabase
        $script:Url = Get-TestDatabaseUrl $Database
        $script:Fresh = Join-Path $Root 'watchdog-fresh'
        $script:Backup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Fresh
    }
    AfterAll { Remove-TestDatabase $Database }

    It 'sends nothing when the newest backup is fresh and whole' {
        $to = New-Recipient
        Set-SmtpEnvironment $to
        (Test-ScorecardBackup -Latest -Destination $Fresh -MaxAge '1.02:00:00' -Notify).Passed | Should -BeTrue
        Start-Sleep -Milliseconds 500
        @(Get-DeliveredMessage -To $to) | Should -BeNullOrEmpty
    }

    It 'alerts when the newest successful backup is older than MaxAge' {
        $to = New-Recipient
        Set-SmtpEnvironment $to
        $env:NOTIFICATION_TIMEZONE = 'Europe/Sofia'
        $env:NOTIFICATION_CULTURE = 'en-GB'
        $stale = Join-Path $Root 'watchdog-stale'
        New-Item -ItemType Directory $stale | Out-Null
        Copy-Item -Recurse $Backup.Path $stale
        $manifest = Join-Path $stale "$($Backup.Name)/manifest.json"
        $json = Get-Content $manifest -Raw | ConvertFrom-Json -AsHashtable
        $json.completedAt = '2026-01-10T08:00:00Z'
        $json | ConvertTo-Json -Depth 10 | Set-Content $manifest
        $result = Test-ScorecardBackup -Latest -Destination $stale -MaxAge '1.02:00:00' -Notify -ErrorAction SilentlyContinue
        $result.Passed | Should -BeFalse
        $message = Wait-Delivered $to
        $message.Subject | Should -Be '⚠️ No successful backup since 10/01/2026 10:00'
        $message.Text | Should -Match 'BackupStale'
        $message.Text | Should -Match ([regex]::Escape($Backup.Name))
    }

    It 'alerts when there is no successful backup at all' {
        $to = New-Recipient
        Set-SmtpEnvironment $to
        $empty = Join-Path $Root 'watchdog-empty'
        New-Item -ItemType Directory $empty | Out-Null
        Test-ScorecardBackup -Latest -Destination $empty -MaxAge '1.02:00:00' -Notify -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'BackupNotFound,*'
        $message = Wait-Delivered $to
        $message.Subject | Should -BeLike '⚠️ No successful backup since *'
        $message.Text | Should -Match 'BackupNotFound'
    }

    It 'sends a failure mail when a check fails' {
        $to = New-Recipient
        Set-SmtpEnvironment $to
        $damaged = Join-Path $Root 'watchdog-damaged'
        New-Item -ItemType Directory $damaged | Out-Null
        Copy-Item -Recurse $Backup.Path $damaged
        Add-Content -Path (Join-Path $damaged $Backup.Name (Split-Path -Leaf $Backup.DumpFile)) -Value 'junk'
        Test-ScorecardBackup -Latest -Destination $damaged -MaxAge '1.02:00:00' -Notify -ErrorAction SilentlyContinue | Out-Null
        $message = Wait-Delivered $to
        $message.Subject | Should -BeLike '❌ Database Backup Failed - *'
        $message.Text | Should -Match 'Checksum: '
        Get-Content (Join-Path $damaged 'backup.log') -Raw | Should -Match 'NOTIFY  Sent'
    }
}
