# The fault suite's process faults (issue 9, items 4 to 7), each reproduced for real: a killed pwsh, a stopped
# pg_dump, a table lock held past Npgsql's command timeout, a planted symlink. Each It names the night it survives.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Database = New-TestDatabase
    $script:Url = Get-TestDatabaseUrl $Database
    $script:Root = New-TestFolder
    $script:SavedEnvironment = Clear-SettingEnvironment

    function New-Destination { Join-Path $Root ([guid]::NewGuid().ToString('N').Substring(0, 8)) }

    # Another session holds an ACCESS EXCLUSIVE lock on a table for some seconds; returns its job once the lock is held.
    function Start-TableLock([string] $Table, [int] $Seconds) {
        $job = Start-ThreadJob -ScriptBlock {
            param($helpers, $module, $database, $table, $seconds)
            Import-Module $helpers; $env:SCORECARD_TEST_MODULE = $module
            Invoke-TestSql -Database $database -Sql "BEGIN; LOCK TABLE $table IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep($seconds); COMMIT" | Out-Null
        } -ArgumentList (Join-Path $PSScriptRoot 'TestHelpers.psm1'), (Get-TestModulePath), $Database, $Table, $Seconds
        $held = "SELECT count(*) AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE d.datname = '$Database' " +
            "AND l.relation = '$Table'::regclass AND l.mode = 'AccessExclusiveLock' AND l.granted"
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        while ((Invoke-TestSql -Database $Database -Sql $held).n -eq 0 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $job
    }

    # A PG_DUMP_PATH whose pg_dump (or, with -Restore, whose pg_restore into a database) writes its pid beside itself
    # and then becomes a long sleep: the process a killed run must not leave behind.
    function New-HangingPgTools([switch] $Restore) {
        $folder = Join-Path $Root ('hang-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        $hang = 'echo $$ > "$(dirname "$0")/pid"; exec sleep 60'
        if (-not $Restore) { return New-PgDumpWrapper $folder "case `"`$1`" in --version) exec `"`$REAL_PG_DUMP`" `"`$@`";; esac; $hang" }
        New-PgRestoreWrapper $folder "case `"`$*`" in *--dbname*) $hang;; esac; exec `"`$REAL_PG_RESTORE`" `"`$@`""
    }

    # A separate pwsh PROCESS (a runspace cannot be killed) that imports the module and runs $Command. Settings travel
    # in its environment, never its arguments; its error id, category and message land in .ResultFile.
    function Start-ChildPwsh([string] $Command, [hashtable] $Environment = @{}) {
        $resultFile = Join-Path $Root ('child-' + [guid]::NewGuid().ToString('N') + '.txt')
        $start = [Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
        if ((Split-Path -Leaf $start.FileName) -notmatch '^pwsh(\.exe)?$') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        foreach ($argument in '-NoProfile', '-NonInteractive', '-Command') { $start.ArgumentList.Add($argument) }
        $start.ArgumentList.Add(@"
`$ErrorActionPreference = 'Stop'
Import-Module `$env:CHILD_MODULE
try { $Command | Out-Null; 'OK' | Set-Content `$env:CHILD_RESULT }
catch { "`$(`$_.FullyQualifiedErrorId)|`$(`$_.CategoryInfo.Category)|`$(`$_.Exception.Message)" | Set-Content `$env:CHILD_RESULT; exit 1 }
"@)
        $start.Environment['CHILD_MODULE'] = Get-TestModulePath
        $start.Environment['CHILD_RESULT'] = $resultFile
        foreach ($name in $Environment.Keys) { $start.Environment[$name] = $Environment[$name] }
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $process = [Diagnostics.Process]::Start($start)
        $process.BeginOutputReadLine()
        $process.BeginErrorReadLine()
        $process | Add-Member -NotePropertyName ResultFile -NotePropertyValue $resultFile -PassThru
    }

    # The pid a wrapper beside $PgDump recorded, once it has started.
    function Wait-RecordedPid([string] $PgDump, [int] $Seconds = 30) {
        $pidFile = Join-Path (Split-Path $PgDump) 'pid'
        $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
        while (-not (Test-Path $pidFile) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $pidFile | Should -Exist
        [int](Get-Content $pidFile)
    }

    # True once the process is gone (or a zombie no one waits for), within $Seconds.
    function Wait-ProcessGone([int] $Id, [int] $Seconds = 5) {
        $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
        do {
            $state = Get-Content "/proc/$Id/stat" -ErrorAction SilentlyContinue
            if (-not $state -or ($state -split ' ')[2] -eq 'Z') { return $true }
            Start-Sleep -Milliseconds 100
        } while ([DateTime]::UtcNow -lt $deadline)
        $false
    }

    function Get-DrillDatabases {
        @(Invoke-TestSql -Database postgres -Sql "SELECT datname FROM pg_database WHERE datname LIKE 'scorecard\_drill\_%'" | ForEach-Object datname)
    }
}

AfterAll {
    Remove-TestDatabase $Database
    Remove-Item -Recurse -Force $Root -ErrorAction SilentlyContinue
    Restore-SettingEnvironment $SavedEnvironment
}

Describe 'Process faults' {
    It 'Fault 4: SIGTERM of the pwsh running a backup stops pg_dump, cleans up, logs FAILED and exits 143' -Skip:(-not $IsLinux) {
        $pgDump = New-HangingPgTools
        $destination = New-Destination
        # The opt-in the scheduled lines carry (Register-ScorecardBackupSchedule's prologue).
        $child = Start-ChildPwsh 'Invoke-ScorecardBackup' @{ DATABASE_URL = $Url; BACKUP_DIR = $destination; PG_DUMP_PATH = $pgDump; SCORECARD_EXIT_ON_SIGTERM = '1' }
        try {
            $dumpPid = Wait-RecordedPid $pgDump
            @(Get-ChildItem $destination -Directory -Filter '*.partial').Count | Should -Be 1
            & kill -TERM $child.Id
            $child.WaitForExit(20000) | Should -BeTrue
            $child.ExitCode | Should -Be 143
        } finally { if (-not $child.HasExited) { $child.Kill() } }
        Wait-ProcessGone $dumpPid | Should -BeTrue
        @(Get-ChildItem $destination -Directory -Filter '*.partial') | Should -BeNullOrEmpty
        @(Get-ChildItem $destination -Force -Filter '.pgpass-*') | Should -BeNullOrEmpty
        (Get-Content (Join-Path $destination 'backup.log'))[-1] | Should -Match 'FAILED  BackupCancelled'
    }

    It 'Fault 4: SIGTERM of a host that did not opt in (an editor, an app with a runspace) stops the backup as Ctrl+C does, and the host lives on' -Skip:(-not $IsLinux) {
        $pgDump = New-HangingPgTools
        $destination = New-Destination
        # The child is the host: the backup runs in a runspace of its own, as in VS Code or an app that hosts PowerShell.
        $inRunspace = "& { `$inner = [powershell]::Create().AddScript('Import-Module `$env:CHILD_MODULE; Invoke-ScorecardBackup'); try { `$inner.Invoke() } catch [Management.Automation.MethodInvocationException] { } }"
        $child = Start-ChildPwsh $inRunspace @{ DATABASE_URL = $Url; BACKUP_DIR = $destination; PG_DUMP_PATH = $pgDump }
        try {
            $dumpPid = Wait-RecordedPid $pgDump
            & kill -TERM $child.Id
            $child.WaitForExit(20000) | Should -BeTrue
            $child.ExitCode | Should -Be 0 -Because 'the host ran its script to the end'
        } finally { if (-not $child.HasExited) { $child.Kill() } }
        Get-Content $child.ResultFile | Should -Be 'OK'
        Wait-ProcessGone $dumpPid | Should -BeTrue
        @(Get-ChildItem $destination -Directory -Filter '*.partial') | Should -BeNullOrEmpty
        (Get-Content (Join-Path $destination 'backup.log'))[-1] | Should -Match 'FAILED  BackupCancelled'
    }

    It 'Fault 4: SIGKILL of the pwsh running a backup takes pg_dump with it, and the next run removes what it left' -Skip:(-not $IsLinux) {
        $pgDump = New-HangingPgTools
        $destination = New-Destination
        $child = Start-ChildPwsh 'Invoke-ScorecardBackup' @{ DATABASE_URL = $Url; BACKUP_DIR = $destination; PG_DUMP_PATH = $pgDump }
        try {
            $dumpPid = Wait-RecordedPid $pgDump
            $child.Kill()
            $child.WaitForExit(10000) | Should -BeTrue
        } finally { if (-not $child.HasExited) { $child.Kill() } }
        Wait-ProcessGone $dumpPid | Should -BeTrue -Because 'pg_dump must die with the pwsh that started it'
        # What SIGKILL leaves: the partial folder and the password file, kept inside the owner-only destination.
        $partial = @(Get-ChildItem $destination -Directory -Filter '*.partial')
        $partial.Count | Should -Be 1
        $passFile = @(Get-ChildItem $destination -Force -Filter '.pgpass-*')
        $passFile.Count | Should -Be 1
        $passFile[0].UnixMode | Should -Be '-rw-------'

        $backup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination
        $backup.Status | Should -Be 'Succeeded'
        @(Get-ChildItem $destination -Directory -Filter '*.partial') | Should -BeNullOrEmpty
        @(Get-ChildItem $destination -Force -Filter '.pgpass-*') | Should -BeNullOrEmpty
        $log = Get-Content (Join-Path $destination 'backup.log') -Raw
        $log | Should -Match "CLEANUP Removed $([regex]::Escape($partial[0].Name)), left by a run that was killed"
        $log | Should -Match "CLEANUP Removed the password file $([regex]::Escape($passFile[0].Name))"
        @(Get-ScorecardBackup -Destination $destination).Name | Should -Be @($backup.Name)
    }

    It 'Fault 4: SIGKILL of the pwsh running a restore drill takes pg_restore with it, and the next <NextRun> drops its database' -Skip:(-not $IsLinux) -ForEach @(
        @{ NextRun = 'backup' }
        @{ NextRun = 'restore drill' }
    ) {
        $destination = New-Destination
        $backup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination
        $before = Get-DrillDatabases
        $pgDump = New-HangingPgTools -Restore
        $child = Start-ChildPwsh "Test-ScorecardBackup -Path '$($backup.Path)' -RestoreDrill" @{ DATABASE_URL = $Url; PG_DUMP_PATH = $pgDump }
        try {
            $restorePid = Wait-RecordedPid $pgDump
            $child.Kill()
            $child.WaitForExit(10000) | Should -BeTrue
        } finally { if (-not $child.HasExited) { $child.Kill() } }
        Wait-ProcessGone $restorePid | Should -BeTrue -Because 'pg_restore must die with the pwsh that started it'
        $stranded = @(Get-DrillDatabases | Where-Object { $_ -notin $before })
        $stranded.Count | Should -Be 1

        # The killed run's connections end with it; the next run finds its database unclaimed and drops it.
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        while ((Invoke-TestSql -Database postgres -Sql "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = '$($stranded[0])'").n -gt 0 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $dropped = "Dropped $($stranded[0]), the scratch database of a restore drill whose run is gone"
        if ($NextRun -eq 'backup') {
            (Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination).Status | Should -Be 'Succeeded'
            Get-Content (Join-Path $destination 'backup.log') -Raw | Should -Match "CLEANUP $dropped"
        } else {
            $result = Test-ScorecardBackup -Path $backup.Path -RestoreDrill -DatabaseUrl $Url -WarningVariable warnings -WarningAction SilentlyContinue
            $result.Passed | Should -BeTrue
            ($warnings -join "`n") | Should -Match $dropped
        }
        Get-DrillDatabases | Should -BeNullOrEmpty
    }

    It 'Fault 5: a stopped pg_dump (SIGSTOP) is stopped by the stall watchdog, and the run fails with BackupStalled' -Skip:(-not $IsLinux) {
        # The shell that becomes pg_dump stops itself first: it will never write a byte.
        $pgDump = New-PgDumpWrapper (Join-Path $Root "stopped-$([guid]::NewGuid().ToString('N').Substring(0, 8))") `
            'case "$1" in --version) exec "$REAL_PG_DUMP" "$@";; esac; echo $$ > "$(dirname "$0")/pid"; kill -STOP $$; exec "$REAL_PG_DUMP" "$@"'
        $destination = New-Destination
        $child = Start-ChildPwsh 'Invoke-ScorecardBackup' @{ DATABASE_URL = $Url; BACKUP_DIR = $destination; PG_DUMP_PATH = $pgDump; BACKUP_STALL_SECONDS = '3' }
        $dumpPid = $null
        try {
            $dumpPid = Wait-RecordedPid $pgDump
            $child.WaitForExit(40000) | Should -BeTrue -Because 'the watchdog ends a run whose pg_dump writes nothing for 3 s'
        } finally {
            if (-not $child.HasExited) { $child.Kill() }
            if ($dumpPid) { & kill -KILL $dumpPid 2>$null }
        }
        $child.ExitCode | Should -Be 1
        $id, $category, $message = (Get-Content $child.ResultFile -Raw).Trim() -split '\|', 3
        $id | Should -Be 'BackupStalled,SalesScorecard.PowerShell.InvokeScorecardBackupCommand'
        $category | Should -Be 'OperationTimeout'
        $message | Should -Match 'pg_dump wrote nothing to the archive for 3 s \(BACKUP_STALL_SECONDS\)'
        Wait-ProcessGone $dumpPid | Should -BeTrue
        @(Get-ChildItem $destination -Directory) | Should -BeNullOrEmpty
        (Get-Content (Join-Path $destination 'backup.log'))[-1] | Should -Match 'FAILED  BackupStalled: '
        (Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination).Status | Should -Be 'Succeeded'
    }

    It 'Fault 5: a refused second run names the process holding the lock and since when, and logs REFUSED' -Skip:(-not $IsLinux) {
        $pgDump = New-HangingPgTools
        $destination = New-Destination
        $child = Start-ChildPwsh 'Invoke-ScorecardBackup' @{ DATABASE_URL = $Url; BACKUP_DIR = $destination; PG_DUMP_PATH = $pgDump }
        try {
            Wait-RecordedPid $pgDump | Out-Null
            $err = { Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination -ErrorAction Stop } | Should -Throw -PassThru
        } finally { if (-not $child.HasExited) { $child.Kill() } }
        $err.FullyQualifiedErrorId | Should -BeLike 'BackupAlreadyRunning,*'
        $err.CategoryInfo.Category | Should -Be 'ResourceBusy'
        $holder = "process $($child.Id) \(\w+\) on host $([regex]::Escape([Environment]::MachineName)) has held \.backup\.lock since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
        $err.Exception.Message | Should -Match $holder
        Get-Content (Join-Path $destination 'backup.log') -Raw | Should -Match "REFUSED BackupAlreadyRunning: .*$holder"
    }

    It 'Fault 5: a count that outlasts pg_dump by the stall limit fails with BackupStalled naming the counting, not pg_dump' -Skip:$IsWindows {
        # pg_dump leaves the locked table out and finishes; the count in the same snapshot waits on the lock.
        $pgDump = New-PgDumpWrapper (Join-Path $Root "excluding-$([guid]::NewGuid().ToString('N').Substring(0, 8))") `
            'case "$1" in --version) exec "$REAL_PG_DUMP" "$@";; esac; exec "$REAL_PG_DUMP" --exclude-table=audit_logs "$@"'
        $locker = Start-TableLock audit_logs 10
        try {
            $env:PG_DUMP_PATH = $pgDump
            $env:BACKUP_STALL_SECONDS = '3'
            try { $err = { Invoke-ScorecardBackup -DatabaseUrl $Url -Destination (New-Destination) -ErrorAction Stop } | Should -Throw -PassThru }
            finally { $env:PG_DUMP_PATH = $null; $env:BACKUP_STALL_SECONDS = $null }
        } finally { $locker | Wait-Job | Remove-Job -Force }
        $err.FullyQualifiedErrorId | Should -BeLike 'BackupStalled,*'
        $err.Exception.Message | Should -Match 'Counting the rows made no progress for 3 s after pg_dump had finished'
    }

    It 'Fault 6: a table locked past the command timeout delays the backup but does not fail it' {
        # Npgsql's CommandTimeout (30 s by default, 2 s here so the test is short) must not cut the counting off:
        # counting waits for the lock as pg_dump does.
        $builder = New-TestConnectionBuilder $Database
        $builder.CommandTimeout = 2
        $locker = Start-TableLock users 6
        try {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $backup = Invoke-ScorecardBackup -DatabaseUrl $builder.ConnectionString -Destination (New-Destination) -ErrorAction Stop
            $watch.Elapsed.TotalSeconds | Should -BeGreaterThan 3   # it really waited for the lock, past the 2 s timeout
            $backup.Status | Should -Be 'Succeeded'
            $backup.Tables['public.users'] | Should -Be 156
        } finally { $locker | Wait-Job | Remove-Job -Force }
    }

    It 'Fault 7: a planted backup.log symlink is refused, and the file it points at is left alone' -Skip:$IsWindows {
        $destination = New-Destination
        New-Item -ItemType Directory $destination | Out-Null
        $victim = Join-Path $Root "victim-$([guid]::NewGuid().ToString('N')).txt"
        Set-Content $victim 'not the backup log'
        & chmod 0644 $victim
        New-Item -ItemType SymbolicLink -Path (Join-Path $destination 'backup.log') -Target $victim | Out-Null
        $err = { Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'DestinationInsecure,SalesScorecard.PowerShell.InvokeScorecardBackupCommand'
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
        $err.Exception.Message | Should -Match 'backup\.log'' is a symbolic link'
        (Get-Item $victim).UnixMode | Should -Be '-rw-r--r--'
        Get-Content $victim -Raw | Should -Be "not the backup log$([Environment]::NewLine)"
        @(Get-ChildItem $destination -Directory) | Should -BeNullOrEmpty
    }

    It 'Fault 7: a planted .backup.lock symlink is refused, and nothing is created where it points' -Skip:$IsWindows {
        $destination = New-Destination
        New-Item -ItemType Directory $destination | Out-Null
        $elsewhere = Join-Path $Root "planted-$([guid]::NewGuid().ToString('N'))"
        New-Item -ItemType SymbolicLink -Path (Join-Path $destination '.backup.lock') -Target $elsewhere | Out-Null
        $err = { Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'DestinationInsecure,*'
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
        $err.Exception.Message | Should -Match '\.backup\.lock'' is a symbolic link'
        $elsewhere | Should -Not -Exist
        @(Get-ChildItem $destination -Directory) | Should -BeNullOrEmpty
    }

    It 'Fault 7: a destination other users may write is refused, saying why, before anything is written there' -Skip:$IsWindows {
        $destination = New-Destination
        New-Item -ItemType Directory $destination | Out-Null
        & chmod 1777 $destination
        $err = { Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'DestinationInsecure,*'
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
        $err.Exception.Message | Should -Match 'writable by other users than its owner \(mode 1777\)'
        $err.Exception.Message | Should -Match 'chmod 700'
        @(Get-ChildItem -Force $destination) | Should -BeNullOrEmpty
    }
}
