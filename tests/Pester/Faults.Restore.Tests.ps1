# Faults 2 and 3 of the fault-injection run (issue 9): restores that damaged their target or trusted a tampered backup.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Database = New-TestDatabase
    $script:Url = Get-TestDatabaseUrl $Database
    $script:Root = New-TestFolder
    $script:SavedEnvironment = Clear-SettingEnvironment
    $script:Good = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination (Join-Path $Root 'backups')

    function New-DatabaseName([string] $Prefix) { $Prefix + [guid]::NewGuid().ToString('N').Substring(0, 8) }


    function Copy-Backup([string] $Suffix) {
        $copy = "$($Good.Path)-$Suffix"
        Copy-Item -Recurse $Good.Path $copy
        $copy
    }


    # Puts another database's archive, stored as the backup stores its own (zstd), in the backup's place and updates its
    # SHA-256 and size in the manifest, as someone who swaps the file and "fixes" the checksums would.
    function Set-SwappedDump([string] $Folder, [string] $SourceDatabase) {
        $name = "$Database.dump.zst"
        $dump = Join-Path $Folder $name
        $raw = Join-Path $Folder 'swapped.raw'
        Invoke-TestPgProgram pg_dump $SourceDatabase @('--format=custom', '--compress=0', '--file', $raw)
        & zstd -q -f $raw -o $dump
        Set-ManifestField $Folder {
            param($m)
            $m.files[$name].sha256 = (Get-FileHash $dump -Algorithm SHA256).Hash.ToLowerInvariant()
            $m.files[$name].bytes = (Get-Item $dump).Length
            $m.rawSha256 = (Get-FileHash $raw -Algorithm SHA256).Hash.ToLowerInvariant()
        }
        Remove-Item $raw
    }
}

AfterAll {
    Remove-TestDatabase $Database
    Remove-Item -Recurse -Force $Root -ErrorAction SilentlyContinue
    Restore-SettingEnvironment $SavedEnvironment
}

Describe 'Restore faults: -Clean over a target another table depends on' {
    BeforeAll {
        # The target: the same schema, plus a table of its own whose foreign key points at users, so --clean cannot drop
        # users_pkey and pg_restore fails part way.
        $script:Target = New-TestDatabase
        Invoke-TestSql -Database $Target -Sql @'
CREATE TABLE user_notes (id serial PRIMARY KEY, user_id varchar(255) NOT NULL REFERENCES users (id), note text);
INSERT INTO user_notes (user_id, note) SELECT id, 'kept' FROM users LIMIT 3;
'@ | Out-Null
        $script:SchemaBefore = Get-SchemaDump $Target
        $script:DigestBefore = Get-TableDigest $Target

        function Assert-TargetAsItWas {
            Get-SchemaDump $Target | Should -Be $SchemaBefore
            $digest = Get-TableDigest $Target
            @($digest.Keys) | Should -Be @($DigestBefore.Keys)
            foreach ($table in $DigestBefore.Keys) { $digest[$table] | Should -Be $DigestBefore[$table] -Because $table }
        }
    }
    AfterAll { Remove-TestDatabase $Target }

    It 'Fault 2: refuses -Clean with -Jobs up front, as pg_restore --jobs cannot run in one transaction, and leaves the target as it was' {
        $err = { $Good | Restore-ScorecardBackup -TargetDatabase $Target -DatabaseUrl $Url -Clean -Jobs 2 -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'CleanRequiresSingleTransaction,SalesScorecard.PowerShell.RestoreScorecardBackupCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match "'$Target' was not touched"
        $err.Exception.Message | Should -Match 'without -Jobs'
        Assert-TargetAsItWas
    }

    It 'Fault 2: a failed -Clean restore rolls back whole and says the target is as it was' {
        $err = { $Good | Restore-ScorecardBackup -TargetDatabase $Target -DatabaseUrl $Url -Clean -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'RestoreFailed,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $err.Exception.Message | Should -Match 'users_pkey'
        $err.Exception.Message | Should -Match "rolled back: '$Target' is as it was"
        Assert-TargetAsItWas
    }
}

Describe 'Restore faults: -Jobs into an existing database' {
    It 'Fault 2: a failed -Jobs restore, which cannot be one transaction, says the target holds part of the backup' {
        # An empty target (no tables) with a view where the backup has its users table: pg_restore fails part way.
        $target = New-TestDatabase -Empty
        try {
            Invoke-TestSql -Database $target -Sql 'CREATE VIEW users AS SELECT 1 AS id' | Out-Null
            # -Jobs needs an archive pg_restore can seek in: pg_dump's own.
            $plain = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination (Join-Path $Root 'plain-backups') -Compression pg_dump
            $err = { $plain | Restore-ScorecardBackup -TargetDatabase $target -DatabaseUrl $Url -Jobs 2 -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'RestoreFailed,*'
            $err.Exception.Message | Should -Match "'$target' holds part of the backup"
            Test-DatabaseExists $target | Should -BeTrue   # not ours to drop
        } finally { Remove-TestDatabase $target }
    }
}

Describe 'Restore faults: an archive that does not match its manifest' {
    BeforeAll {
        # Another database with the same tables and fewer rows: only its name in the archive gives it away.
        $script:Other = New-TestDatabase
        Invoke-TestSql -Database $Other -Sql 'DELETE FROM audit_logs' | Out-Null
        $script:EmptyDatabase = New-TestDatabase -Empty
    }
    AfterAll { Remove-TestDatabase $Other; Remove-TestDatabase $EmptyDatabase }

    It 'Fault 3: <Fault> is refused by Restore before the target exists, and failed by Test-ScorecardBackup without a drill' -ForEach @(
        @{ Fault = 'a dump swapped for another database''s, its SHA-256 updated'; Tamper = { param($copy) Set-SwappedDump $copy $Other }; Detail = 'dbname' }
        @{ Fault = 'an empty database''s dump with its SHA-256'; Tamper = { param($copy) Set-SwappedDump $copy $EmptyDatabase }; Detail = 'TABLE DATA' }
        @{ Fault = 'a row count edited in the manifest'; Tamper = { param($copy) Set-ManifestField $copy { param($m) $m.tables['public.users'] = 999 } }; Detail = 'summary\.txt' }
        @{ Fault = 'row counts and their total edited in the manifest'; Tamper = { param($copy) Set-ManifestField $copy { param($m) $m.tables['public.users'] = 999; $m.totalRows += 999 - 156 } }; Detail = 'public\.users: 999' }
        @{ Fault = 'the manifest''s tables emptied'; Tamper = { param($copy) Set-ManifestField $copy { param($m) $m.tables = @{}; $m.totalRows = 0 } }; Detail = 'not in manifest\.json' }
    ) {
        $copy = Copy-Backup ([guid]::NewGuid().ToString('N').Substring(0, 8))
        & $Tamper $copy

        $result = Test-ScorecardBackup -Path $copy -ErrorVariable failures -ErrorAction SilentlyContinue
        $result.Passed | Should -BeFalse
        ($result.Checks | Where-Object Check -eq 'Checksum').Passed | Should -BeTrue
        $contents = $result.Checks | Where-Object Check -eq 'TableOfContents'
        $contents.Passed | Should -BeFalse
        $contents.Detail | Should -Match $Detail
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'BackupTestFailed,*'

        $target = New-DatabaseName 'never_'
        $err = { Restore-ScorecardBackup -Path $copy -TargetDatabase $target -DatabaseUrl $Url -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'BackupManifestMismatch,SalesScorecard.PowerShell.RestoreScorecardBackupCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.Exception.Message | Should -Match $Detail
        $err.Exception.Message | Should -Match 'nothing was restored'
        Test-DatabaseExists $target | Should -BeFalse
    }

    It 'Fault 3: a swapped dump is refused by a restore drill too, which leaves no database behind' {
        $copy = Copy-Backup 'swapped-drill'
        Set-SwappedDump $copy $Other
        $result = Test-ScorecardBackup -Path $copy -RestoreDrill -DatabaseUrl $Url -ErrorAction SilentlyContinue
        ($result.Checks | Where-Object Check -eq 'RestoreDrill').Detail | Should -Match '^BackupManifestMismatch: '
        (Invoke-TestSql -Database postgres -Sql "SELECT count(*) AS n FROM pg_database WHERE datname LIKE 'scorecard_drill_%'").n | Should -Be 0
    }
}

Describe 'Restore faults: a failed restore into a database the cmdlet created' {
    It 'Fault 3: a missing role fails the restore and the restore drill, drops the new database and hints -NoOwner, which then restores it' {
        # A backup of a table owned by a role the server no longer has: the role is dropped after the backup.
        $role = New-DatabaseName 'fault_owner_'
        $source = New-TestDatabase -Empty
        try {
            Invoke-TestSql -Database $source -Sql "CREATE ROLE $role NOLOGIN; CREATE TABLE owned (id int PRIMARY KEY); INSERT INTO owned VALUES (1), (2); ALTER TABLE owned OWNER TO $role; GRANT SELECT ON owned TO $role" | Out-Null
            $backup = Invoke-ScorecardBackup -DatabaseUrl (Get-TestDatabaseUrl $source) -Destination (Join-Path $Root 'roles')
        } finally {
            Remove-TestDatabase $source
            Invoke-TestSql -Database postgres -Sql "DROP ROLE IF EXISTS $role" | Out-Null
        }

        $target = New-DatabaseName 'roles_'
        try {
            $err = { $backup | Restore-ScorecardBackup -TargetDatabase $target -DatabaseUrl $Url -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'RestoreFailed,*'
            $err.Exception.Message | Should -Match "role `"$role`" does not exist"
            $err.Exception.Message | Should -Match '-NoOwner'
            $err.Exception.Message | Should -Match "'$target', which this restore created, was dropped"
            Test-DatabaseExists $target | Should -BeFalse

            $restore = $backup | Restore-ScorecardBackup -TargetDatabase $target -DatabaseUrl $Url -NoOwner -Confirm:$false
            $restore.Passed | Should -BeTrue
            $restore.Tables['public.owned'] | Should -Be 2
            (Invoke-TestSql -Database $target -Sql "SELECT tableowner FROM pg_tables WHERE tablename = 'owned'").tableowner | Should -Be 'postgres'
        } finally { Remove-TestDatabase $target }

        # The restore drill gives the same advice, and takes it.
        $drill = $backup | Test-ScorecardBackup -RestoreDrill -DatabaseUrl $Url -ErrorAction SilentlyContinue
        $drill.Passed | Should -BeFalse
        ($drill.Checks | Where-Object Check -eq 'RestoreDrill').Detail | Should -Match '-NoOwner'
        $drill = $backup | Test-ScorecardBackup -RestoreDrill -NoOwner -DatabaseUrl $Url -ErrorAction Stop
        $drill.Passed | Should -BeTrue
        ($drill.Checks | Where-Object Check -eq 'RowCounts').Passed | Should -BeTrue
    }

    It 'Fault 3: a restore stopped (Ctrl+C) while pg_restore runs drops the database it created' -Skip:$IsWindows {
        # The real pg_dump beside a pg_restore that lists archives (and says its version) but hangs when asked to restore one.
        $folder = Join-Path $Root 'hanging-pg-restore'
        $null = New-PgRestoreWrapper $folder "case `"`$1`" in --list|--version) exec `"`$REAL_PG_RESTORE`" `"`$@`";; esac; echo `$`$ > '$folder/pid'; exec sleep 60"
        # PG_DUMP_PATH through an .env file: an environment variable would outlive the stopped pipeline.
        $envFile = Join-Path $folder 'hanging.env'
        Set-Content $envFile "PG_DUMP_PATH=$(Join-Path $folder 'pg_dump')"
        $target = New-DatabaseName 'stopped_'
        $shell = [powershell]::Create()
        $null = $shell.AddScript('param($module, $url, $path, $target, $envFile) Import-Module $module; Restore-ScorecardBackup -Path $path -TargetDatabase $target -DatabaseUrl $url -EnvFile $envFile -Confirm:$false').
            AddArgument((Get-TestModulePath)).AddArgument($Url).AddArgument($Good.Path).AddArgument($target).AddArgument($envFile)
        try {
            $null = $shell.BeginInvoke()
            $pidFile = Join-Path $folder 'pid'
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while (-not (Test-Path $pidFile) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            $pidFile | Should -Exist
            Test-DatabaseExists $target | Should -BeTrue
            $shell.Stop()
            Test-DatabaseExists $target | Should -BeFalse
            Get-Process -Id ([int](Get-Content $pidFile)) -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        } finally { $shell.Dispose(); Remove-TestDatabase $target }
    }

    It 'Fault 3: a target name over 63 bytes is refused up front, never truncated by the server' {
        # 38 characters but 68 bytes in UTF-8: PostgreSQL would silently cut it to a name nobody asked for.
        $target = 'restore_' + ('ж' * 30)
        try {
            $err = { $Good | Restore-ScorecardBackup -TargetDatabase $target -DatabaseUrl $Url -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -Be 'TargetDatabaseNameTooLong,SalesScorecard.PowerShell.RestoreScorecardBackupCommand'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err.Exception.Message | Should -Match '68 bytes'
            (Invoke-TestSql -Database postgres -Sql "SELECT count(*) AS n FROM pg_database WHERE datname LIKE 'restore\_ж%'").n | Should -Be 0
        } finally {
            foreach ($name in (Invoke-TestSql -Database postgres -Sql "SELECT datname FROM pg_database WHERE datname LIKE 'restore\_ж%'").datname) { Remove-TestDatabase $name }
        }
    }
}

Describe 'Restore faults: the table of contents check knows partitions' {
    It 'passes a backup of a partitioned table, whose rows the archive holds in its partitions' {
        $source = New-TestDatabase -Empty
        $target = New-DatabaseName 'partitioned_'
        try {
            Invoke-TestSql -Database $source -Sql @'
CREATE TABLE readings (at date NOT NULL, value int) PARTITION BY RANGE (at);
CREATE TABLE readings_2025 PARTITION OF readings FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE readings_2026 PARTITION OF readings FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO readings VALUES ('2025-06-01', 1), ('2026-06-01', 2), ('2026-07-01', 3);
'@ | Out-Null
            $backup = Invoke-ScorecardBackup -DatabaseUrl (Get-TestDatabaseUrl $source) -Destination (Join-Path $Root 'partitioned')
            $backup.Tables['public.readings'] | Should -Be 3
            $result = Test-ScorecardBackup -InputObject $backup
            ($result.Checks | Where-Object Check -eq 'TableOfContents').Detail | Should -Match 'as manifest\.json and summary\.txt say'
            $result.Passed | Should -BeTrue
            ($backup | Restore-ScorecardBackup -TargetDatabase $target -DatabaseUrl $Url -Confirm:$false).Passed | Should -BeTrue
        } finally { Remove-TestDatabase $source; Remove-TestDatabase $target }
    }
}
