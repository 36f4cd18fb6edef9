# The fault suite's process faults (issue 9, items 4 to 7), each reproduced for real: a killed pwsh, a stopped
# pg_dump, a table lock held past Npgsql's command timeout, a planted symlink. Each It names the night it survives.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Database = New-TestDatabase
    $script:Url = Get-TestDatabaseUrl $Database
    $script:Root = New-TestFolder
    $script:SavedEnvironment = @{}
    foreach ($name in 'DATABASE_URL', 'BACKUP_DIR', 'PG_DUMP_PATH', 'BACKUP_RETENTION_DAYS', 'BACKUP_KEEP_MIN', 'SCORECARD_ENV_FILE') {
        $SavedEnvironment[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }

    function New-Destination { Join-Path $Root ([guid]::NewGuid().ToString('N').Substring(0, 8)) }
}

AfterAll {
    Remove-TestDatabase $Database
    Remove-Item -Recurse -Force $Root -ErrorAction SilentlyContinue
    foreach ($name in $SavedEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $SavedEnvironment[$name]) }
}

Describe 'Process faults' {
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

    It 'Fault 6: a table locked past the command timeout delays the backup but does not fail it' {
        # Npgsql's CommandTimeout (30 s by default, 2 s here so the test is short) must not cut the counting off:
        # counting waits for the lock as pg_dump does.
        Import-TestAssemblies
        $builder = [SalesScorecard.Settings.DatabaseUrl]::Parse($Url).Builder
        $builder.CommandTimeout = 2
        $locker = Start-ThreadJob -ScriptBlock {
            param($helpers, $module, $database)
            Import-Module $helpers; $env:SCORECARD_TEST_MODULE = $module
            Invoke-TestSql -Database $database -Sql 'BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(6); COMMIT' | Out-Null
        } -ArgumentList (Join-Path $PSScriptRoot 'TestHelpers.psm1'), (Get-TestModulePath), $Database
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(10)
            $held = "SELECT count(*) AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE d.datname = '$Database' AND l.relation = 'users'::regclass AND l.mode = 'AccessExclusiveLock' AND l.granted"
            while ((Invoke-TestSql -Database $Database -Sql $held).n -eq 0 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $backup = Invoke-ScorecardBackup -DatabaseUrl $builder.ConnectionString -Destination (New-Destination) -ErrorAction Stop
            $watch.Elapsed.TotalSeconds | Should -BeGreaterThan 3   # it really waited for the lock, past the 2 s timeout
            $backup.Status | Should -Be 'Succeeded'
            $backup.Tables['public.users'] | Should -Be 156
        } finally { $locker | Wait-Job | Remove-Job -Force }
    }
}
