# The hostile night of issue 9, part one: retention, failures that escaped the contract, and messages that said
# nothing. Each test is named after its fault and reproduces it for real.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../build/TestServices.psm1') -Function Get-PwshCommand -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Database = New-TestDatabase
    $script:Url = Get-TestDatabaseUrl $Database
    $script:Root = New-TestFolder
    $script:SavedEnvironment = Clear-SettingEnvironment

    function New-Destination { Join-Path $Root ([guid]::NewGuid().ToString('N').Substring(0, 8)) }


    # A backup whose manifest is moved to another time, as a clock that was wrong would have written it.
    function New-BackupDated([string] $Destination, [TimeSpan] $Shift) {
        $backup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination -RetentionDays 10000
        Set-ManifestField $backup.Path {
            param($m)
            $m.startedAt = [DateTime]::UtcNow.Add($Shift).ToString('o')
            $m.completedAt = [DateTime]::UtcNow.Add($Shift).AddSeconds(1).ToString('o')
        }
        $backup.Name
    }

    function Get-LogText([string] $Destination) { Get-Content (Join-Path $Destination 'backup.log') -Raw }
}

AfterAll {
    Remove-TestDatabase $Database
    Remove-Item -Recurse -Force $Root -ErrorAction SilentlyContinue
    Restore-SettingEnvironment $SavedEnvironment
}

Describe 'Fault 1: a manifest from the future' {
    BeforeAll {
        $script:Destination = New-Destination
        $script:Future = New-BackupDated $Destination ([TimeSpan]::FromDays(300))
    }

    It 'Fault 1: retention never removes the backup the run has just made, and keeps the one from the future' {
        $fresh = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination -RetentionDays 0 -KeepLast 1 -WarningVariable warnings -WarningAction SilentlyContinue
        $fresh.Path | Should -Exist
        Join-Path $Destination $Future | Should -Exist
        $log = Get-LogText $Destination
        $log | Should -Not -Match "RETAIN  Removed $($fresh.Name)"
        $log | Should -Match "CLOCK   $Future says it started at .* later than this machine's clock"
        ($warnings -join "`n") | Should -Match "$Future says it started at"
    }

    It 'Fault 1: the keep-floor counts backups by when they were really made' {
        $destination = New-Destination
        $past = New-BackupDated $destination ([TimeSpan]::FromDays(-40))
        $null = New-BackupDated $destination ([TimeSpan]::FromDays(300))
        # KeepLast 2: the new backup and the 40-day-old one; the future one does not take the old one's place.
        Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination -RetentionDays 30 -KeepLast 2 -WarningAction SilentlyContinue | Out-Null
        Join-Path $destination $past | Should -Exist
    }

    It 'Fault 1: -WarningAction Stop on the clock warning ends the run at once, before retention removes anything, and never hangs' {
        $destination = New-Destination
        $past = New-BackupDated $destination ([TimeSpan]::FromDays(-40))
        $null = New-BackupDated $destination ([TimeSpan]::FromDays(300))
        # In a pwsh of its own, killed after two minutes: a run waiting on a question nobody will answer fails the
        # test instead of hanging the suite.
        $pwsh = Get-PwshCommand
        $start = [System.Diagnostics.ProcessStartInfo]::new($pwsh[0])
        foreach ($argument in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command',
                "Import-Module '$(Get-TestModulePath)'; try { Invoke-ScorecardBackup -Destination '$destination' -RetentionDays 30 -KeepLast 1 " +
                "-WarningAction Stop -Confirm:`$false | Out-Null; 'finished' } catch { `$_.FullyQualifiedErrorId }")) { $start.ArgumentList.Add($argument) }
        $start.RedirectStandardOutput = $true
        $start.Environment['DATABASE_URL'] = $Url
        $process = [System.Diagnostics.Process]::Start($start)
        $output = $process.StandardOutput.ReadToEndAsync()
        $finished = $process.WaitForExit(120000)
        if (-not $finished) { $process.Kill($true) }
        $finished | Should -BeTrue -Because 'the run must end, not wait for an answer'
        ($output.Result.Trim() -split '\r?\n')[-1] | Should -BeLike 'ActionPreferenceStop*'
        Join-Path $destination $past | Should -Exist
    }

    It 'Fault 1: the watchdog takes the real newest backup, and never a future one as fresh' {
        $latest = Get-ScorecardBackup -Destination $Destination -Latest
        $latest.Name | Should -Not -Be $Future
        (Test-ScorecardBackup -Latest -Destination $Destination -MaxAge '26:00:00').Passed | Should -BeTrue

        $alone = New-Destination
        $onlyFuture = New-BackupDated $alone ([TimeSpan]::FromDays(300))
        $result = Test-ScorecardBackup -Latest -Destination $alone -MaxAge '26:00:00' -ErrorVariable failures -ErrorAction SilentlyContinue
        $result.Name | Should -Be $onlyFuture
        $freshness = $result.Checks | Where-Object Check -eq 'Freshness'
        $freshness.Passed | Should -BeFalse
        $freshness.Detail | Should -Match 'in the future: the clock was wrong'
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'BackupTestFailed,*'
    }
}

Describe 'Fault 12: a damaged backup never counts toward the keep-floor' {
    It 'Fault 12: with -KeepLast 2 and a corrupt newer backup, the good older one is kept' {
        $destination = New-Destination
        $older = New-BackupDated $destination ([TimeSpan]::FromDays(-50))
        $corrupt = New-BackupDated $destination ([TimeSpan]::FromDays(-45))
        Add-Content -Path (Join-Path $destination $corrupt "$Database.dump.zst") -Value 'bit rot'
        $new = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination -RetentionDays 30 -KeepLast 2 -WarningVariable warnings -WarningAction SilentlyContinue
        $remaining = (Get-ChildItem $destination -Directory).Name
        $remaining | Should -Contain $new.Name
        $remaining | Should -Contain $older          # the newest good backup after the new one
        $remaining | Should -Not -Contain $corrupt   # past retention and no stand-in for a good one
        ($warnings -join "`n") | Should -Match "$corrupt no longer matches its checksums"
        Get-LogText $destination | Should -Match "RETAIN  $corrupt no longer matches its checksums"
    }
}

Describe 'Fault 10: failures that escaped the contract' {
    It 'Fault 10: a manifest with "dumpFile": null breaks neither listing, nor the next backup, nor the watchdog' {
        $destination = New-Destination
        $broken = New-BackupDated $destination ([TimeSpan]::FromHours(-2))
        Set-ManifestField (Join-Path $destination $broken) { param($m) $m.dumpFile = $null }
        $listed = Get-ScorecardBackup -Destination $destination -ErrorAction Stop
        ($listed | Where-Object Name -eq $broken).Status | Should -Be 'Incomplete'
        ($listed | Where-Object Name -eq $broken).Error | Should -Match 'has no dumpFile'
        $new = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination -ErrorAction Stop
        $new.Status | Should -Be 'Succeeded'
        (Test-ScorecardBackup -Latest -Destination $destination -MaxAge '01:00:00' -ErrorAction Stop).Name | Should -Be $new.Name
        (Test-ScorecardBackup -Path (Join-Path $destination $broken) -ErrorAction SilentlyContinue).Passed | Should -BeFalse
    }

    It 'Fault 10: a pg_restore that cannot be run fails with PgDumpNotFound and a FAILED line' -Skip:$IsWindows {
        $pgDump = New-PgRestoreWrapper (Join-Path $Root 'unrunnable-pg-restore') 'exit 0' -Mode 0644
        $destination = New-Destination
        $env:PG_DUMP_PATH = $pgDump
        try {
            $err = { Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination -ErrorAction Stop } | Should -Throw -PassThru
        } finally { $env:PG_DUMP_PATH = $null }
        $err.FullyQualifiedErrorId | Should -Be 'PgDumpNotFound,SalesScorecard.PowerShell.InvokeScorecardBackupCommand'
        $err.Exception.Message | Should -Match 'pg_restore'' could not be run'
        Get-LogText $destination | Should -Match 'FAILED  PgDumpNotFound:'
    }

    It 'Fault 10: tables "a.b".c and a."b.c" are two tables, counted and restored apart' {
        $database = New-TestDatabase -Empty
        try {
            Invoke-TestSql -Database $database -Sql @'
CREATE SCHEMA "a.b"; CREATE SCHEMA a;
CREATE TABLE "a.b".c (id int); CREATE TABLE a."b.c" (id int);
INSERT INTO "a.b".c VALUES (1); INSERT INTO a."b.c" VALUES (1), (2);
'@ | Out-Null
            $backup = Invoke-ScorecardBackup -DatabaseUrl (Get-TestDatabaseUrl $database) -Destination (New-Destination) -ErrorAction Stop
            $backup.Tables['"a.b".c'] | Should -Be 1
            $backup.Tables['a."b.c"'] | Should -Be 2
            $target = 'dots_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
            try {
                ($backup | Restore-ScorecardBackup -TargetDatabase $target -DatabaseUrl $Url -Confirm:$false).Passed | Should -BeTrue
            } finally { Remove-TestDatabase $target }
        } finally { Remove-TestDatabase $database }
    }

    It 'Fault 10: a 1 MB DATABASE_URL fails with a documented id and a FAILED line' {
        $destination = New-Destination
        $huge = $Url + '&application_name=' + ('x' * 1MB)
        if ($Url -notmatch '\?') { $huge = $Url + '?application_name=' + ('x' * 1MB) }
        $err = { Invoke-ScorecardBackup -DatabaseUrl $huge -Destination $destination -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Match '^(InvalidSetting|DatabaseUnreachable),'
        $err.Exception.Message | Should -Not -Match 'xxxxxxxxxx'
        if (Test-Path (Join-Path $destination 'backup.log')) { Get-LogText $destination | Should -Match 'FAILED  ' }
    }
}

Describe 'Fault 11: messages that say what happened' {
    It 'Fault 11: a pg_dump killed by signal 9 is said to be killed, not "failed (exit code 137)"' -Skip:$IsWindows {
        $wrapper = New-PgDumpWrapper (Join-Path $Root 'oom-killed-pg-dump') 'case "$1" in --version) exec "$REAL_PG_DUMP" "$@";; esac; kill -9 $$'
        $env:PG_DUMP_PATH = $wrapper
        try {
            $err = { Invoke-ScorecardBackup -DatabaseUrl $Url -Destination (New-Destination) -ErrorAction Stop } | Should -Throw -PassThru
        } finally { $env:PG_DUMP_PATH = $null }
        $err.FullyQualifiedErrorId | Should -BeLike 'BackupFailed,*'
        $err.Exception.Message | Should -Match 'pg_dump was killed by signal 9 \(SIGKILL'
    }

    It 'Fault 11: a verifying pg_restore that dies is named, not "Pipe is broken"' -Skip:$IsWindows {
        # The reader that follows the archive as it is written dies after its first bytes; --list and --version work.
        $pgDump = New-PgRestoreWrapper (Join-Path $Root 'dying-pg-restore') 'case "$1" in --version|--list) exec "$REAL_PG_RESTORE" "$@";; esac; head -c 100 >/dev/null; kill -9 $$'
        $destination = New-Destination
        $env:PG_DUMP_PATH = $pgDump
        try {
            $err = { Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination -ErrorAction Stop } | Should -Throw -PassThru
        } finally { $env:PG_DUMP_PATH = $null }
        $err.FullyQualifiedErrorId | Should -BeLike 'BackupFailed,*'
        $err.Exception.Message | Should -Not -Match 'Pipe is broken|Broken pipe'
        $err.Exception.Message | Should -Match 'could not be verified; nothing was kept.*pg_restore was killed by signal 9'
        @(Get-ChildItem $destination -Directory) | Should -BeNullOrEmpty
    }

    It 'Fault 11: free space is judged by the last backup of the database, not by its size on the server' -Skip:(-not $IsLinux -or (& id -u) -ne '0') {
        $mount = Join-Path $Root 'small-disk'
        New-Item -ItemType Directory $mount | Out-Null
        # Room for a few dumps of the test database, not for the database itself.
        $databaseBytes = (Invoke-TestSql -Database $Database -Sql 'SELECT pg_database_size(current_database()) AS n').n
        $size = [int]($databaseBytes / 2)
        & mount -t tmpfs -o "size=$size,mode=0700" tmpfs $mount 2>$null
        if ($LASTEXITCODE -ne 0) { Set-ItResult -Skipped -Because 'this machine does not allow mounting a tmpfs'; return }
        try {
            $err = { Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $mount -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'InsufficientDiskSpace,*'
            $err.Exception.Message | Should -Match 'no earlier backup of it here to estimate from'
            # With an earlier backup of the same database there, the estimate is its size, and the backup fits.
            $earlier = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination (New-Destination)
            Copy-Item -Recurse $earlier.Path (Join-Path $mount $earlier.Name)
            (Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $mount -ErrorAction Stop).Status | Should -Be 'Succeeded'
        } finally { & umount $mount }
    }

    It 'Fault 11: a BACKUP_DIR that is a file, or lies below one, is said to be a file' {
        $file = Join-Path $Root 'backups-is-a-file'
        Set-Content $file 'not a folder'
        foreach ($case in @(@{ Destination = $file; Says = "'$([regex]::Escape($file))' is a file, not a folder" },
                            @{ Destination = (Join-Path $file 'nightly'); Says = "'$([regex]::Escape($file))' is a file, so there can be no backup folder" })) {
            $err = { Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $case.Destination -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'DestinationNotWritable,*'
            $err.Exception.Message | Should -Match $case.Says
            $err.Exception.Message | Should -Not -Match 'already exists|Could not find'
        }
    }
}
