# Issue 21: one cmdlet that says whether tonight's backup will work, each check tried against the real thing.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Root = New-TestFolder
    $script:SavedEnvironment = Clear-SettingEnvironment
    $script:SavedMail = Clear-MailSettingEnvironment
    $script:Database = New-TestDatabase
    $script:Url = Get-TestDatabaseUrl $Database
    $script:Destination = Join-Path $Root 'backups'
    $script:Backup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination
    Test-ScorecardBackup -Path $Backup.Path -RestoreDrill -DatabaseUrl $Url | Out-Null
    $script:To = New-Recipient
    Set-SmtpEnvironment $To

    function Get-Check([object[]] $Checks, [string] $Name) { $Checks | Where-Object Name -eq $Name }
}

AfterAll {
    Remove-TestDatabase $Database
    Remove-Item -Recurse -Force $Root -ErrorAction SilentlyContinue
    Restore-SettingEnvironment $SavedMail
    Restore-SettingEnvironment $SavedEnvironment
}

Describe 'Test-ScorecardHealth' {
    BeforeAll { $script:Checks = @(Test-ScorecardHealth -DatabaseUrl $Url -Destination $Destination) }

    It 'passes what is well: settings, database, pg_dump, folder, newest backup, drill and mail' {
        foreach ($name in 'Settings', 'Database', 'PgTools', 'BackupFolder', 'NewestBackup', 'RestoreDrill', 'Smtp', 'Anomalies', 'Pins') {
            (Get-Check $Checks $name).Status | Should -Be 'Passed' -Because "$name found: $((Get-Check $Checks $name).Found)"
        }
        (Get-Check $Checks 'Smtp').Found | Should -Match 'no message was sent'
        (Get-Check $Checks 'NewestBackup').Found | Should -Match ([regex]::Escape($Backup.Name))
    }

    It 'warns of what an admin should look at: no offsite copies, no encryption' {
        (Get-Check $Checks 'Offsite').Status | Should -Be 'Warning'
        (Get-Check $Checks 'Encryption').Status | Should -Be 'Warning'
        (Get-Check $Checks 'Encryption').Action | Should -Match 'New-ScorecardBackupKey'
    }

    It 'fails a night that cannot work, and -Quiet says False: no SUPER_ADMIN, a closed SMTP port, a store that does not answer' {
        $broken = New-TestDatabase
        try {
            Invoke-TestSql -Database $broken -Sql "UPDATE users SET role = 'ADMIN' WHERE role = 'SUPER_ADMIN'" | Out-Null
            $env:SMTP_PORT = [string](Get-UnusedPort)
            $env:BACKUP_S3_URL = 's3://nowhere/prefix'; $env:BACKUP_S3_ENDPOINT = "http://127.0.0.1:$(Get-UnusedPort)"
            $env:AWS_ACCESS_KEY_ID = 'S3RVER'; $env:AWS_SECRET_ACCESS_KEY = 'S3RVER'; $env:BACKUP_S3_TIMEOUT_SECONDS = '2'
            $checks = @(Test-ScorecardHealth -DatabaseUrl (Get-TestDatabaseUrl $broken) -Destination $Destination)
            (Get-Check $checks 'SuperAdmin').Status | Should -Be 'Failed'
            (Get-Check $checks 'SuperAdmin').Action | Should -Match 'Set-ScorecardUser'
            (Get-Check $checks 'Smtp').Status | Should -Be 'Failed'
            (Get-Check $checks 'Offsite').Status | Should -Be 'Failed'
            (Get-Check $checks 'Offsite').Found | Should -Match 'OffsiteNotReachable'
            Test-ScorecardHealth -DatabaseUrl (Get-TestDatabaseUrl $broken) -Destination $Destination -Quiet | Should -BeFalse
        } finally {
            Remove-TestDatabase $broken
            foreach ($name in 'SMTP_PORT', 'BACKUP_S3_URL', 'BACKUP_S3_ENDPOINT', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'BACKUP_S3_TIMEOUT_SECONDS') { Remove-Item "env:$name" -ErrorAction SilentlyContinue }
            Set-SmtpEnvironment $To
        }
    }

    It 'fails a login smtp4dev refuses (an expired app password) at the Authenticate step, without sending or quoting it' {
        $before = @(Get-DeliveredMessage -To $To).Count
        $env:SMTP_PASS = 'expired-App-Password-7731'
        try { $checks = @(Test-ScorecardHealth -DatabaseUrl $Url -Destination $Destination) } finally { Set-SmtpEnvironment $To }
        $smtp = Get-Check $checks 'Smtp'
        $smtp.Status | Should -Be 'Failed'
        $smtp.Found | Should -Match 'Authenticate'
        $smtp.Action | Should -Match 'SMTP_PASS|password'
        ($checks | ConvertTo-Json -Depth 4) | Should -Not -Match 'expired-App-Password-7731'
        Test-ScorecardHealth -DatabaseUrl $Url -Destination $Destination -Quiet | Should -BeTrue -Because 'the right password passes again'
        @(Get-DeliveredMessage -To $To).Count | Should -Be $before -Because 'a health check sends nothing unless asked'
    }

    It 'fails a setting that does not parse and checks nothing else, never quoting it' {
        $env:BACKUP_KEEP_MIN = 'seven-Hunter2'
        try { $checks = @(Test-ScorecardHealth -DatabaseUrl $Url -Destination $Destination) } finally { $env:BACKUP_KEEP_MIN = $null }
        $checks.Count | Should -Be 1
        $checks[0].Status | Should -Be 'Failed'
        $checks[0].Found | Should -Match 'BACKUP_KEEP_MIN'
        "$($checks[0])" | Should -Not -Match 'Hunter2'
    }

    It 'ships a Pester container that turns every check into a test case of a JUnit file, failing the failed ones' {
        Import-Module (Join-Path $PSScriptRoot '../../build/TestServices.psm1') -Function Get-PwshCommand -Force
        $pwsh = Get-PwshCommand
        $module = Split-Path (Get-TestModulePath)
        $container = Join-Path $module 'SalesScorecard.Health.Tests.ps1'
        $container | Should -Exist
        $junit = Join-Path $Root 'health-junit.xml'
        $pester = Join-Path $env:SCORECARD_TEST_NUGET_PACKAGES 'pester/5.7.1/tools/Pester.psd1'
        $script = @"
Import-Module '$pester'
`$config = New-PesterConfiguration
`$config.Run.Container = New-PesterContainer -Path '$container' -Data @{ DatabaseUrl = `$env:HEALTH_URL; Destination = '$Destination' }
`$config.Run.PassThru = `$true
`$config.Output.Verbosity = 'None'
`$config.TestResult.Enabled = `$true
`$config.TestResult.OutputFormat = 'JUnitXml'
`$config.TestResult.OutputPath = '$junit'
`$result = Invoke-Pester -Configuration `$config
"`$(`$result.PassedCount) `$(`$result.FailedCount)"
"@
        $env:HEALTH_URL = $Url
        try { $counts = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script } finally { $env:HEALTH_URL = $null }
        $passed, $failed = "$($counts | Select-Object -Last 1)".Trim() -split ' '
        $cases = ([xml](Get-Content $junit -Raw)).SelectNodes('//testcase')
        $cases.Count | Should -Be ($Checks.Count + 1) -Because 'one case a check, and one that there are checks'
        [int]$passed + [int]$failed | Should -Be ($Checks.Count + 1)
        [int]$failed | Should -Be @($Checks | Where-Object Status -eq 'Failed').Count
        ($cases | ForEach-Object { $_.name }) -join ' ' | Should -Match 'Database.*NewestBackup'
    }

    It 'mails the findings under -Notify when something is not Passed, and nothing under -WhatIf' {
        Test-ScorecardHealth -DatabaseUrl $Url -Destination $Destination -Notify -WhatIf | Out-Null
        Test-ScorecardHealth -DatabaseUrl $Url -Destination $Destination -Notify | Out-Null
        $mail = @(Wait-Delivered $To)
        $mail.Count | Should -Be 1
        $mail[0].Subject | Should -Match '^⚠️ Backup health: 0 failed, \d+ warning'
        $mail[0].Text | Should -Match 'Encryption \(Warning\)'
    }
}
