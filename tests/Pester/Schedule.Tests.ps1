# The scheduler's side, for real: the user's crontab, and the exact lines cron would run, in cron's empty environment.
BeforeDiscovery {
    $script:NoCron = -not $IsLinux -or -not (Get-Command crontab -ErrorAction SilentlyContinue)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Root = New-TestFolder
    $script:HasCrontab = [bool](Get-Command crontab -ErrorAction SilentlyContinue)
    if ($HasCrontab) {
        $script:SavedCrontab = & crontab -l 2>$null
        $script:HadCrontab = $LASTEXITCODE -eq 0
    }
    $script:Database = New-TestDatabase
    $script:Destination = Join-Path $Root 'backups'
    $script:Recipient = "cron-$([guid]::NewGuid().ToString('N').Substring(0, 8))@example.org"
    $script:SavedEnvFile = $env:SCORECARD_ENV_FILE
    $env:SCORECARD_ENV_FILE = $null

    function New-JobEnvFile([string] $Name, [string] $DatabasePassword, [string] $SmtpPassword = $env:SCORECARD_TEST_SMTP_PASS) {
        $path = Join-Path $Root "$Name.env"
        $url = $PSBoundParameters.ContainsKey('DatabasePassword') ? (Get-TestDatabaseUrl $Database -Password $DatabasePassword) : (Get-TestDatabaseUrl $Database)
        Set-Content -Path $path -Value @(
            "DATABASE_URL=$url"
            "SMTP_HOST=$env:SCORECARD_TEST_SMTP_HOST"
            "SMTP_PORT=$env:SCORECARD_TEST_SMTP_PORT"
            "SMTP_USER=$env:SCORECARD_TEST_SMTP_USER"
            "SMTP_PASS=$SmtpPassword"
            "SMTP_TRUSTED_CERT=$env:SCORECARD_TEST_SMTP_CERT"
            "BACKUP_NOTIFICATION_EMAIL=$Recipient"
            "PG_DUMP_PATH=$(Join-Path $env:SCORECARD_TEST_PG_BIN 'pg_dump')"
        )
        & chmod 0600 $path
        $path
    }

    function Set-Crontab([string[]] $Lines) {
        # pwsh ends what it pipes to a native program with a line end.
        $Lines -join "`n" | & crontab -
        if ($LASTEXITCODE -ne 0) { throw 'crontab - failed' }
    }

    function Get-CrontabText { (& crontab -l 2>$null) -join "`n" }

    # Runs a registered line as cron would.
    function Invoke-CronLine([ValidateSet('Backup', 'Watchdog')] [string] $Kind, [string] $Name = 'SalesScorecardBackup') {
        Invoke-AsCron (Get-ScorecardBackupSchedule -Name $Name | Where-Object Kind -eq $Kind).Command
    }

    function Wait-Mail([string] $SubjectLike) {
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        do {
            $found = @(Get-DeliveredMessage -To $Recipient | Where-Object Subject -like $SubjectLike)
            if ($found) { return $found }
            Start-Sleep -Milliseconds 200
        } while ([DateTime]::UtcNow -lt $deadline)
    }
}

AfterAll {
    if ($HasCrontab) {
        if ($HadCrontab) { $SavedCrontab -join "`n" | & crontab - } else { & crontab -r 2>$null }
    }
    $env:SCORECARD_ENV_FILE = $SavedEnvFile
    Remove-TestDatabase $Database
    Remove-Item -Recurse -Force $Root -ErrorAction SilentlyContinue
}

Describe 'Register-, Get- and Unregister-ScorecardBackupSchedule' -Skip:$NoCron {
    BeforeAll {
        # Lines of the admin's own, with cron's special % and a comment, must come back byte for byte.
        $script:Foreign = @(
            '# m h dom mon dow command'
            'MAILTO=ops@example.org'
            '*/5 * * * * /usr/bin/date +\%s >> /tmp/ticks.log'
            '0 3 * * 0 /usr/local/bin/rotate-logs   # weekly'
            ''
        )
        Set-Crontab $Foreign
        $script:Original = Get-CrontabText
        $script:EnvFile = New-JobEnvFile 'good'
    }

    It 'adds a backup and a watchdog line with absolute paths, and touches nothing else' {
        $entries = Register-ScorecardBackupSchedule -EnvFile $EnvFile -Destination $Destination -At 23:00 -WatchdogAt 07:30
        $entries.Kind | Should -Be @('Backup', 'Watchdog')
        $entries[0].Schedule | Should -Be '0 23 * * *'
        $entries[1].Schedule | Should -Be '30 7 * * *'
        $text = Get-CrontabText
        $text | Should -BeLike "$Original`n*"
        $lines = $text -split "`n" | Select-Object -Skip $Foreign.Count
        $lines[0] | Should -Match '# SalesScorecard:SalesScorecardBackup:Backup$'
        $lines[0] | Should -Match ([regex]::Escape("'$((Get-TestModulePath))'"))
        $lines[0] | Should -Match '-NoProfile -NonInteractive'
        $lines[0] | Should -Match ([regex]::Escape("Invoke-ScorecardBackup -EnvFile '\''$EnvFile'\''") + '.* -Notify -ErrorAction Stop')
        $lines[0] | Should -Match "cron\.log"
        $lines[1] | Should -Match ([regex]::Escape("-MaxAge '\''1.02:00:00'\'' -Notify -ErrorAction Stop"))
        $lines[0].Split(' ', 6)[5] | Should -Match '^umask 077; ''/'
    }

    It 'lists its entries' {
        $listed = Get-ScorecardBackupSchedule
        $listed.Name | Sort-Object -Unique | Should -Be 'SalesScorecardBackup'
        $listed.Platform | Sort-Object -Unique | Should -Be 'cron'
    }

    It 'refuses to register the same name again without -Force, and replaces it with -Force' {
        $err = { Register-ScorecardBackupSchedule -EnvFile $EnvFile -Destination $Destination -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'ScheduleExists,*'
        $err.CategoryInfo.Category | Should -Be 'ResourceExists'
        Register-ScorecardBackupSchedule -EnvFile $EnvFile -Destination $Destination -At 2:15 -WatchdogAt 8:05 -Force | Out-Null
        $entries = Get-ScorecardBackupSchedule
        @($entries).Count | Should -Be 2
        $entries.Schedule | Should -Be @('15 2 * * *', '5 8 * * *')
    }

    It 'changes nothing with -WhatIf' {
        $before = Get-CrontabText
        Register-ScorecardBackupSchedule -EnvFile $EnvFile -Destination $Destination -Name Other -WhatIf
        Unregister-ScorecardBackupSchedule -WhatIf
        Get-CrontabText | Should -Be $before
    }

    It 'refuses a path with a line break, which would add a crontab line' {
        $before = Get-CrontabText
        $err = { Register-ScorecardBackupSchedule -Name Injected -EnvFile $EnvFile -Destination "$Root/x`n* * * * * touch /tmp/owned" -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidSchedule,*'
        Get-CrontabText | Should -Be $before
    }

    It 'needs an .env file, since cron gives the job no environment' {
        Push-Location $Root
        try {
            $err = { Register-ScorecardBackupSchedule -Name NoEnv -Destination $Destination -ErrorAction Stop } | Should -Throw -PassThru
        } finally { Pop-Location }
        $err.FullyQualifiedErrorId | Should -BeLike 'EnvFileRequired,*'
    }

    It 'removes exactly its own lines, leaving the crontab as it was' {
        $removed = Unregister-ScorecardBackupSchedule -PassThru
        @($removed).Count | Should -Be 2
        Get-CrontabText | Should -Be $Original
        Unregister-ScorecardBackupSchedule -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'ScheduleNotFound,*'
    }
}

Describe 'The registered lines, run as cron runs them' -Skip:$NoCron {
    BeforeEach { Set-Crontab @('# nothing else') }

    It 'exits 0 after a successful backup, and the backup is there' {
        Register-ScorecardBackupSchedule -EnvFile (New-JobEnvFile 'ok') -Destination $Destination -Force | Out-Null
        Invoke-CronLine Backup | Should -Be 0
        (Get-ScorecardBackup -Destination $Destination -Latest).Status | Should -Be 'Succeeded'
        Get-Content (Join-Path $Destination 'backup.log') -Raw | Should -Match 'NOTIFY  Sent'
    }

    It 'survives an upgrade that removes the old version, and fails loudly when no version is left' {
        Import-Module (Join-Path $PSScriptRoot '../../build/TestServices.psm1') -Function Get-PwshCommand -Force
        $modules = Join-Path $Root 'Modules'
        $old = Join-Path $modules 'SalesScorecard/0.1.0'
        New-Item -ItemType Directory -Force -Path (Split-Path $old) | Out-Null
        Copy-Item -Recurse (Split-Path (Get-TestModulePath)) $old
        $destination = Join-Path $Root 'upgraded'
        $envFile = New-JobEnvFile 'upgrade'
        # Registered from the installed copy, as an admin who ran Install-PSResource would.
        $pwsh = Get-PwshCommand
        & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command "Import-Module '$old/SalesScorecard.psd1'; Register-ScorecardBackupSchedule -EnvFile '$envFile' -Destination '$destination' -Force | Out-Null"
        $line = (Get-ScorecardBackupSchedule -Name SalesScorecardBackup | Where-Object Kind -eq Backup).Command
        $line | Should -Match ([regex]::Escape("Import-Module '\''$modules/SalesScorecard'\'' -ErrorAction Stop"))
        # The upgrade: the new version beside the old, then the old removed, as Update-PSResource and Uninstall-PSResource do.
        $new = Join-Path $modules 'SalesScorecard/0.2.0'
        Copy-Item -Recurse $old $new
        (Get-Content "$new/SalesScorecard.psd1" -Raw) -replace "ModuleVersion(\s*)=(\s*)'0\.1\.0'", "ModuleVersion`$1=`$2'0.2.0'" | Set-Content "$new/SalesScorecard.psd1"
        Remove-Item -Recurse -Force $old
        Invoke-CronLine Backup | Should -Be 0
        $made = Get-ScorecardBackup -Destination $destination -Latest
        (Get-Content (Join-Path $made.Path 'manifest.json') -Raw | ConvertFrom-Json).moduleVersion | Should -Be '0.2.0'
        # No version left: the line exits non-zero with the import's error in cron.log, and the health check names what is gone.
        Remove-Item -Recurse -Force $new
        Invoke-CronLine Backup | Should -Not -Be 0
        Get-Content (Join-Path $destination 'cron.log') -Raw | Should -Match 'SalesScorecard'
        $schedule = Test-ScorecardHealth -DatabaseUrl (Get-TestDatabaseUrl $Database) -Destination $destination | Where-Object Name -eq Schedule
        $schedule.Status | Should -Be 'Failed'
        $schedule.Found | Should -Match ([regex]::Escape("$modules/SalesScorecard"))
    }

    It 'exits 0 when only the mail failed, with the warning in backup.log' {
        Register-ScorecardBackupSchedule -EnvFile (New-JobEnvFile 'mailfails' -SmtpPassword 'Wrong-Smtp-4711') -Destination $Destination -Force | Out-Null
        Invoke-CronLine Backup | Should -Be 0
        Get-Content (Join-Path $Destination 'backup.log') | Select-Object -Last 1 | Should -Match 'NOTIFY  Failed: SmtpAuthenticationFailed'
    }

    It 'exits non-zero on a wrong database password, and mails the failure' {
        Register-ScorecardBackupSchedule -EnvFile (New-JobEnvFile 'badpass' -DatabasePassword 'Wrong-Db-4711') -Destination $Destination -Force | Out-Null
        Invoke-CronLine Backup | Should -Not -Be 0
        $mail = Wait-Mail '❌ Database Backup Failed*'
        $mail | Should -Not -BeNullOrEmpty
        $mail[0].Text | Should -Match 'DatabaseAuthenticationFailed'
        $log = Get-Content (Join-Path $Destination 'cron.log') -Raw
        $log | Should -Match 'FullyQualifiedErrorId : DatabaseAuthenticationFailed'
        $log | Should -Not -Match "`e"
        $log | Should -Not -Match 'Wrong-Db-4711'
    }

    It 'the watchdog exits 0 and sends nothing while the newest backup is fresh' {
        Register-ScorecardBackupSchedule -EnvFile (New-JobEnvFile 'watch') -Destination $Destination -Force | Out-Null
        $before = @(Get-DeliveredMessage -To $Recipient).Count
        Invoke-CronLine Watchdog | Should -Be 0
        @(Get-DeliveredMessage -To $Recipient).Count | Should -Be $before
    }

    It 'the watchdog exits non-zero and mails an alert when the newest backup is too old' {
        $stale = Join-Path $Root 'stale-backups'
        Register-ScorecardBackupSchedule -EnvFile (New-JobEnvFile 'stale') -Destination $stale -MaxAge 1:00:00 -Force | Out-Null
        $backup = Invoke-ScorecardBackup -DatabaseUrl (Get-TestDatabaseUrl $Database) -Destination $stale
        $manifest = Join-Path $backup.Path 'manifest.json'
        $json = Get-Content $manifest -Raw | ConvertFrom-Json -AsHashtable
        $json.completedAt = [DateTime]::UtcNow.AddHours(-3).ToString('o')
        $json | ConvertTo-Json -Depth 10 | Set-Content $manifest
        Invoke-CronLine Watchdog | Should -Not -Be 0
        Wait-Mail '⚠️ No successful backup since*' | Should -Not -BeNullOrEmpty
    }
}

Describe '-MaxAge reads hours as hours' {
    It 'takes 26:00:00 as 26 hours, not 26 days' {
        $backup = Invoke-ScorecardBackup -DatabaseUrl (Get-TestDatabaseUrl $Database) -Destination (Join-Path $Root 'max-age')
        $result = Test-ScorecardBackup -InputObject $backup -MaxAge '26:00:00'
        ($result.Checks | Where-Object Check -eq 'Freshness').Detail | Should -Match 'at most 26 h allowed'
    }
}

Describe 'Task Scheduler registration' -Skip:(-not $IsWindows) {
    # Runs on Windows only: this CI is Linux, where cron is tested above.
    It 'registers, lists and removes the two tasks' {
        $envFile = Join-Path $Root 'windows.env'
        Set-Content $envFile "DATABASE_URL=$(Get-TestDatabaseUrl $Database)"
        $name = 'ScorecardTest' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        try {
            $entries = Register-ScorecardBackupSchedule -Name $name -EnvFile $envFile -Destination (Join-Path $Root 'win-backups')
            $entries.Kind | Should -Be @('Backup', 'Watchdog')
            (Get-ScorecardBackupSchedule -Name $name).Schedule | Should -Be @('daily 23:00', 'daily 07:30')
        } finally {
            Unregister-ScorecardBackupSchedule -Name $name -ErrorAction SilentlyContinue
        }
        Get-ScorecardBackupSchedule -Name $name | Should -BeNullOrEmpty
    }
}
