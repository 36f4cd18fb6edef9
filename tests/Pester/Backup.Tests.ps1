BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Database = New-TestDatabase
    $script:Url = Get-TestDatabaseUrl $Database
    $script:Password = Get-TestServerPassword
    $script:Root = New-TestFolder
    $script:SavedEnvironment = Clear-SettingEnvironment

    function New-Destination { Join-Path $Root ([guid]::NewGuid().ToString('N').Substring(0, 8)) }

    # A backup through another pg_dump (PG_DUMP_PATH), ending in its BackupInfo or its error.
    function Invoke-BackupWith([string] $PgDump, [string] $Destination = (New-Destination)) {
        $env:PG_DUMP_PATH = $PgDump
        try { Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination -ErrorAction Stop } finally { $env:PG_DUMP_PATH = $null }
    }

    function Assert-NoPartialFolder([string] $Destination) {
        if (Test-Path $Destination) { @(Get-ChildItem $Destination -Directory -Filter '*.partial') | Should -BeNullOrEmpty }
    }

}

AfterAll {
    Remove-TestDatabase $Database
    Remove-Item -Recurse -Force $Root -ErrorAction SilentlyContinue
    Restore-SettingEnvironment $SavedEnvironment
}

Describe 'Invoke-ScorecardBackup makes a backup that restores whole' {
    BeforeAll {
        # A table the app might add tomorrow: it must be in the backup without anyone listing it.
        Invoke-TestSql -Database $Database -Sql @'
CREATE TABLE "New ""Feature""" (id serial PRIMARY KEY, note text, at timestamp, raw bytea);
INSERT INTO "New ""Feature""" (note, at, raw) VALUES (E'back\\slash \\\\ and \t tab', '2025-03-30 03:30:00', '\x00ff'), (NULL, '2025-10-26 03:30:00', NULL);
'@ | Out-Null
        $script:Destination = New-Destination
        $script:Backup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination
        $script:Restored = 'restored_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $script:Restore = $Backup | Restore-ScorecardBackup -TargetDatabase $Restored -DatabaseUrl $Url -Confirm:$false
    }
    AfterAll { Remove-TestDatabase $Restored }

    It 'runs in Europe/Sofia, where upstream shifted timestamps' {
        [TimeZoneInfo]::Local.Id | Should -Be 'Europe/Sofia'
    }

    It 'returns a verified, successful BackupInfo' {
        $Backup.pstypenames[0] | Should -Be 'SalesScorecard.BackupInfo'
        $Backup.Status | Should -Be 'Succeeded'
        $Backup.Verified | Should -BeTrue
        $Backup.Name | Should -Match '^backup-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d$'
        $Backup.Database | Should -Be $Database
        $Backup.SizeBytes | Should -Be (Get-Item $Backup.DumpFile).Length
        $Backup.Sha256 | Should -Be (Get-FileHash $Backup.DumpFile -Algorithm SHA256).Hash.ToLowerInvariant()
        $Backup.PgDumpVersion | Should -Match 'pg_dump \(PostgreSQL\) \d+'
    }

    It 'counts every table, the new one too, exactly as the database holds them' {
        $Backup.Tables['public.New "Feature"'] | Should -Be 2
        $Backup.Tables.Count | Should -Be 12
        $Backup.Tables['public.users'] | Should -Be 156
        $Backup.TotalRows | Should -Be (($Backup.Tables.Values | Measure-Object -Sum).Sum)
    }

    It 'restores every table with identical contents' {
        $Restore.Passed | Should -BeTrue
        $Restore.Mismatches | Should -BeNullOrEmpty
        $original = Get-TableDigest $Database
        $copy = Get-TableDigest $Restored
        @($copy.Keys) | Should -Be @($original.Keys)
        foreach ($table in $original.Keys) { $copy[$table] | Should -Be $original[$table] -Because $table }
    }

    It 'restores the identical schema' {
        Get-SchemaDump $Restored | Should -Be (Get-SchemaDump $Database)
    }

    It 'keeps backslashes and timestamps exactly' {
        $row = Invoke-TestSql -Database $Restored -Sql 'SELECT note, at::text AS at FROM "New ""Feature""" WHERE id = 1'
        $row.note | Should -Be "back\slash \\ and `t tab"
        $row.at | Should -Be '2025-03-30 03:30:00'
    }

    It 'writes manifest.json and summary.txt with the counts' {
        $manifest = Get-Content (Join-Path $Backup.Path 'manifest.json') -Raw | ConvertFrom-Json -AsHashtable
        $manifest.producer | Should -Be 'SalesScorecard'
        $manifest.tables['public.users'] | Should -Be 156
        $manifest.tocEntries | Should -BeGreaterThan 20
        @($manifest.files.Keys | Sort-Object) | Should -Be @(@("$Database.dump.zst", 'summary.txt') | Sort-Object)
        $manifest.files["$Database.dump.zst"].sha256 | Should -Be $Backup.Sha256
        $manifest.compression | Should -Be 'zstd:1'
        $manifest.rawSha256 | Should -Match '^[0-9a-f]{64}$'
        $summary = Get-Content (Join-Path $Backup.Path 'summary.txt')
        $summary | Should -Contain "Total Rows: $($Backup.TotalRows)"
        $summary | Should -Contain '  public.users: 156'
    }

    It 'makes the folder 0700 and every file 0600' -Skip:$IsWindows {
        (Get-Item $Backup.Path).UnixMode | Should -Be 'drwx------'
        Get-ChildItem $Backup.Path -File | ForEach-Object { $_.UnixMode | Should -Be '-rw-------' -Because $_.Name }
        (Get-Item (Join-Path $Destination 'backup.log')).UnixMode | Should -Be '-rw-------'
    }

    It 'logs plain lines: start and success' {
        $log = Get-Content (Join-Path $Destination 'backup.log')
        $log[0] | Should -Match 'START .*database ''test_'
        $log[1] | Should -Match "SUCCESS $($Backup.Name): .* 1\d{3} rows in 12 tables"
        ($log -join "`n") | Should -Not -Match "`e"
    }

    It 'lists the backup with Get-ScorecardBackup' {
        $listed = Get-ScorecardBackup -Destination $Destination
        @($listed).Count | Should -Be 1
        $listed.Name | Should -Be $Backup.Name
        $listed.TotalRows | Should -Be $Backup.TotalRows
        (Get-ScorecardBackup -Destination $Destination -Latest).Sha256 | Should -Be $Backup.Sha256
    }

    It 'completes backup names on Tab' {
        $line = "Get-ScorecardBackup -Destination '$Destination' -Name backup-"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @($Backup.Name)
    }

    It 'passes Test-ScorecardBackup with a restore drill that leaves no database behind' {
        $result = Test-ScorecardBackup -Path $Backup.Path -RestoreDrill -DatabaseUrl $Url -MaxAge '01:00:00'
        $result.Passed | Should -BeTrue
        $result.Checks.Check | Should -Be @('Manifest', 'Checksum', 'ArchiveReadable', 'TableOfContents', 'RestoreDrill', 'RowCounts', 'Freshness')
        (Invoke-TestSql -Database postgres -Sql "SELECT count(*) AS n FROM pg_database WHERE datname LIKE 'scorecard_drill_%'").n | Should -Be 0
    }

    It 'refuses to restore over a database with tables unless -Clean' {
        $err = { $Backup | Restore-ScorecardBackup -TargetDatabase $Restored -DatabaseUrl $Url -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'TargetDatabaseNotEmpty,*'
        $err.CategoryInfo.Category | Should -Be 'ResourceExists'
        ($Backup | Restore-ScorecardBackup -TargetDatabase $Restored -DatabaseUrl $Url -Clean -Confirm:$false).Passed | Should -BeTrue
    }

    It 'restores nothing under -WhatIf' {
        $name = 'whatif_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $Backup | Restore-ScorecardBackup -TargetDatabase $name -DatabaseUrl $Url -WhatIf
        (Invoke-TestSql -Database postgres -Sql "SELECT count(*) AS n FROM pg_database WHERE datname = '$name'").n | Should -Be 0
    }
}

Describe 'A directory-format backup with -Jobs' {
    It 'dumps in parallel and restores whole' {
        $destination = New-Destination
        $backup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination -Jobs 2
        Test-Path $backup.DumpFile -PathType Container | Should -BeTrue
        $backup.Sha256 | Should -Be (Get-FileHash (Join-Path $backup.DumpFile 'toc.dat') -Algorithm SHA256).Hash.ToLowerInvariant()
        $target = 'jobs_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        try {
            ($backup | Restore-ScorecardBackup -TargetDatabase $target -DatabaseUrl $Url -Jobs 2 -Confirm:$false).Passed | Should -BeTrue
            (Test-ScorecardBackup -InputObject $backup).Passed | Should -BeTrue
        } finally { Remove-TestDatabase $target }
    }
}

Describe 'Counts and dump share one snapshot' {
    It 'matches the dump although rows are written while it runs' -Skip:$IsWindows {
        $folder = Join-Path $Root 'slow-dump'
        # Hold pg_dump back a moment after the snapshot is exported, and write rows meanwhile.
        $wrapper = New-PgDumpWrapper $folder 'case "$1" in --version) exec "$REAL_PG_DUMP" "$@";; esac; sleep 2; exec "$REAL_PG_DUMP" "$@"'
        $job = Start-ThreadJob -ScriptBlock {
            param($helpers, $module, $database)
            Import-Module $helpers; $env:SCORECARD_TEST_MODULE = $module
            Start-Sleep -Milliseconds 700
            for ($i = 0; $i -lt 5; $i++) { Invoke-TestSql -Database $database -Sql "INSERT INTO audit_logs (id, action) VALUES ('concurrent-$i-' || gen_random_uuid(), 'CONCURRENT')" | Out-Null }
        } -ArgumentList (Join-Path $PSScriptRoot 'TestHelpers.psm1'), (Get-TestModulePath), $Database
        $backup = Invoke-BackupWith $wrapper
        $job | Wait-Job | Receive-Job
        (Invoke-TestSql -Database $Database -Sql "SELECT count(*) AS n FROM audit_logs WHERE action = 'CONCURRENT'").n | Should -Be 5
        $target = 'snap_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        try {
            $restore = $backup | Restore-ScorecardBackup -TargetDatabase $target -DatabaseUrl $Url -Confirm:$false
            $restore.Passed | Should -BeTrue
            $restore.Tables['public.audit_logs'] | Should -Be $backup.Tables['public.audit_logs']
        } finally { Remove-TestDatabase $target }
    }
}

Describe 'Invoke-ScorecardBackup failures leave nothing behind' {
    It 'fails with <Id> when <Why>' -ForEach @(
        @{ Id = 'DatabaseAuthenticationFailed'; Why = 'the password is wrong'; Category = 'AuthenticationError' }
        @{ Id = 'DatabaseUnreachable'; Why = 'the server is stopped'; Category = 'ConnectionError' }
        @{ Id = 'DatabaseNotFound'; Why = 'the database does not exist'; Category = 'ObjectNotFound' }
        @{ Id = 'PgDumpNotFound'; Why = 'PG_DUMP_PATH names nothing'; Category = 'ObjectNotFound' }
    ) {
        $destination = New-Destination
        $url = switch ($Id) {
            'DatabaseAuthenticationFailed' { Get-TestDatabaseUrl $Database -Password 'Wrong-Password-4711' }
            'DatabaseUnreachable' { "postgresql://postgres:Wrong-Password-4711@127.0.0.1:$(Get-UnusedPort)/$Database" }
            'DatabaseNotFound' { Get-TestDatabaseUrl 'no_such_database_4711' }
            default { $Url }
        }
        if ($Id -eq 'PgDumpNotFound') { $env:PG_DUMP_PATH = Join-Path $Root 'no/such/pg_dump' }
        try {
            $output = Invoke-Capturing { Invoke-ScorecardBackup -DatabaseUrl $url -Destination $destination -ErrorAction Stop -Verbose }
            $err = { Invoke-ScorecardBackup -DatabaseUrl $url -Destination $destination -ErrorAction Stop } | Should -Throw -PassThru
        } finally { $env:PG_DUMP_PATH = $null }
        $err.FullyQualifiedErrorId | Should -Be "$Id,SalesScorecard.PowerShell.InvokeScorecardBackupCommand"
        $err.CategoryInfo.Category | Should -Be $Category
        Assert-NoPartialFolder $destination
        @(Get-ChildItem $destination -Directory) | Should -BeNullOrEmpty
        $log = Get-Content (Join-Path $destination 'backup.log') -Raw
        $log | Should -Match "FAILED  ${Id}:"
        foreach ($text in $output, $log) {
            $text | Should -Not -Match 'Wrong-Password-4711'
            $text | Should -Not -Match ([regex]::Escape($Password))
        }
    }

    It 'fails with PgDumpTooOld naming both versions' -Skip:$IsWindows {
        $wrapper = New-PgDumpWrapper (Join-Path $Root 'old-pg-dump') 'echo "pg_dump (PostgreSQL) 9.6.24"'
        $destination = New-Destination
        $err = { Invoke-BackupWith $wrapper $destination } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'PgDumpTooOld,*'
        $err.Exception.Message | Should -Match 'pg_dump 9 '
        $err.Exception.Message | Should -Match 'PostgreSQL 1\d server'
        Assert-NoPartialFolder $destination
    }

    It 'fails with BackupFailed carrying pg_dump''s own message, and removes the partial folder' -Skip:$IsWindows {
        $wrapper = New-PgDumpWrapper (Join-Path $Root 'failing-pg-dump') 'case "$1" in --version) exec "$REAL_PG_DUMP" "$@";; esac; echo "pg_dump: error: simulated disk failure" >&2; exit 1'
        $destination = New-Destination
        $err = { Invoke-BackupWith $wrapper $destination } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'BackupFailed,*'
        $err.Exception.Message | Should -Match 'simulated disk failure'
        @(Get-ChildItem $destination -Directory) | Should -BeNullOrEmpty
    }

    It 'fails with BackupFailed when pg_dump says it succeeded but its archive file does not read back whole' -Skip:$IsWindows {
        # pg_dump writing its own compressed file (BACKUP_COMPRESSION=pg_dump); Archive.Tests covers the streamed one.
        $wrapper = New-PgDumpWrapper (Join-Path $Root 'truncating-pg-dump') (@(
            'case "$1" in --version) exec "$REAL_PG_DUMP" "$@";; esac'
            'out=""; prev=""; for a in "$@"; do [ "$prev" = "--file" ] && out="$a"; prev="$a"; done'
            '# The real dump goes elsewhere; the archive we are given is its first 60 %: its table of contents lists fine.'
            'for a in "$@"; do shift; if [ "$a" = "$out" ]; then set -- "$@" "$out.full"; else set -- "$@" "$a"; fi; done'
            '"$REAL_PG_DUMP" "$@" || exit $?'
            'size=$(stat -c %s "$out.full"); head -c $((size * 6 / 10)) "$out.full" > "$out"; rm "$out.full"'
        ) -join "`n")
        $destination = New-Destination
        $env:BACKUP_COMPRESSION = 'pg_dump'
        try { $err = { Invoke-BackupWith $wrapper $destination } | Should -Throw -PassThru } finally { $env:BACKUP_COMPRESSION = $null }
        $err.FullyQualifiedErrorId | Should -BeLike 'BackupFailed,*'
        $err.Exception.Message | Should -Match 'does not read back whole'
        $err.Exception.Message | Should -Match 'pg_restore cannot read all of'   # the full read, not --list
        @(Get-ChildItem $destination -Directory) | Should -BeNullOrEmpty
    }

    It 'fails with DestinationNotWritable' {
        $file = Join-Path $Root 'a-regular-file'
        Set-Content $file 'not a folder'
        $err = { Invoke-ScorecardBackup -DatabaseUrl $Url -Destination (Join-Path $file 'backups') -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'DestinationNotWritable,*'
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
    }

    It 'makes an existing world-readable backup.log, as upstream left it, owner-only' -Skip:$IsWindows {
        $destination = New-Destination
        New-Item -ItemType Directory $destination | Out-Null
        Set-Content (Join-Path $destination 'backup.log') '2025-11-17 upstream line'
        & chmod 0644 (Join-Path $destination 'backup.log')
        Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination | Out-Null
        (Get-Item (Join-Path $destination 'backup.log')).UnixMode | Should -Be '-rw-------'
        (Get-Content (Join-Path $destination 'backup.log'))[0] | Should -Be '2025-11-17 upstream line'
    }

    It 'fails fast with BackupAlreadyRunning while another run holds the lock, and leaves it alone' {
        $destination = New-Destination
        New-Item -ItemType Directory $destination | Out-Null
        $lock = [System.IO.File]::Open((Join-Path $destination '.backup.lock'), 'OpenOrCreate', 'ReadWrite', 'None')
        try {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $err = { Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination -ErrorAction Stop } | Should -Throw -PassThru
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
        } finally { $lock.Dispose() }
        $err.FullyQualifiedErrorId | Should -BeLike 'BackupAlreadyRunning,*'
        $err.CategoryInfo.Category | Should -Be 'ResourceBusy'
        @(Get-ChildItem $destination -Directory) | Should -BeNullOrEmpty
        (Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination).Status | Should -Be 'Succeeded'
    }

    It 'fails with InsufficientDiskSpace on a nearly full file system' -Skip:(-not $IsLinux -or (& id -u) -ne '0') {
        $mount = Join-Path $Root 'tiny'
        New-Item -ItemType Directory $mount | Out-Null
        & mount -t tmpfs -o size=64k,mode=0700 tmpfs $mount 2>$null   # owner-only: a 1777 folder is refused
        if ($LASTEXITCODE -ne 0) { Set-ItResult -Skipped -Because 'this machine does not allow mounting a tmpfs'; return }
        try {
            $err = { Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $mount -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'InsufficientDiskSpace,*'
            $err.Exception.Message | Should -Match 'free, less than the database'
            Assert-NoPartialFolder $mount
        } finally { & umount $mount }
    }

    It 'never puts the password in pg_dump''s arguments or PGPASSWORD, and deletes its 0600 pgpass file' -Skip:$IsWindows {
        $record = Join-Path $Root 'pg_dump-call.txt'
        $wrapper = New-PgDumpWrapper (Join-Path $Root 'recording-pg-dump') (@(
            'if [ "$1" != "--version" ]; then'
            "  { echo ""ARGS: `$*""; echo ""PGPASSWORD=`${PGPASSWORD-unset}""; echo ""PGPASSFILE=`$PGPASSFILE""; stat -c 'MODE=%a' ""`$PGPASSFILE""; } > '$record'"
            'fi'
            'exec "$REAL_PG_DUMP" "$@"'
        ) -join "`n")
        $env:PG_DUMP_PATH = $wrapper
        $env:PGPASSWORD = 'leaked-from-the-environment'
        try { $backup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination (New-Destination) } finally { $env:PG_DUMP_PATH = $null; $env:PGPASSWORD = $null }
        $backup.Status | Should -Be 'Succeeded'
        $call = Get-Content $record -Raw
        $call | Should -Match '--snapshot='
        $call | Should -Match '--no-password'
        $call | Should -Match 'PGPASSWORD=unset'
        $call | Should -Match 'MODE=600'
        $call | Should -Not -Match ([regex]::Escape($Password))
        $passFile = ($call -split "`n" | Where-Object { $_ -like 'PGPASSFILE=*' }) -replace '^PGPASSFILE=', ''
        $passFile | Should -Not -BeNullOrEmpty
        $passFile | Should -Not -Exist
        Get-Content (Join-Path $backup.Path 'manifest.json') -Raw | Should -Not -Match ([regex]::Escape($Password))
    }

    It 'kills pg_dump and removes the partial folder when stopped (Ctrl+C)' -Skip:$IsWindows {
        $wrapper = New-PgDumpWrapper (Join-Path $Root 'hanging-pg-dump') 'case "$1" in --version) exec "$REAL_PG_DUMP" "$@";; esac; echo $$ > "$(dirname "$0")/pid"; sleep 60; exec "$REAL_PG_DUMP" "$@"'
        $destination = New-Destination
        # PG_DUMP_PATH through an .env file: an environment variable would outlive the stopped pipeline.
        $envFile = Join-Path (Split-Path $wrapper) 'hanging.env'
        Set-Content $envFile "PG_DUMP_PATH=$wrapper"
        $shell = [powershell]::Create()
        $null = $shell.AddScript('param($module, $url, $destination, $envFile) Import-Module $module; Invoke-ScorecardBackup -DatabaseUrl $url -Destination $destination -EnvFile $envFile').
            AddArgument((Get-TestModulePath)).AddArgument($Url).AddArgument($destination).AddArgument($envFile)
        $async = $shell.BeginInvoke()
        $pidFile = Join-Path (Split-Path $wrapper) 'pid'
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while (-not (Test-Path $pidFile) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $pidFile | Should -Exist
        @(Get-ChildItem $destination -Directory -Filter '*.partial').Count | Should -Be 1
        $shell.Stop()
        $shell.Dispose()
        $dumpPid = [int](Get-Content $pidFile)
        Get-Process -Id $dumpPid -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-NoPartialFolder $destination
        Get-Content (Join-Path $destination 'backup.log') -Raw | Should -Match 'FAILED  BackupCancelled'
    }
}

Describe 'Test-ScorecardBackup finds damage' {
    BeforeAll {
        $script:Destination = New-Destination
        $script:Good = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination
        $script:DumpName = Split-Path -Leaf $Good.DumpFile
        function Copy-Backup([string] $Suffix) {
            $copy = "$($Good.Path)-$Suffix"
            Copy-Item -Recurse $Good.Path $copy
            $copy
        }
    }

    It 'fails a truncated dump' {
        $copy = Copy-Backup 'truncated'
        $dump = Join-Path $copy $DumpName
        $bytes = [IO.File]::ReadAllBytes($dump)
        [IO.File]::WriteAllBytes($dump, $bytes[0..([int]($bytes.Length * 0.6))])
        $result = Test-ScorecardBackup -Path $copy -ErrorVariable failures -ErrorAction SilentlyContinue
        $result.Passed | Should -BeFalse
        ($result.Checks | Where-Object Check -eq 'Checksum').Passed | Should -BeFalse
        ($result.Checks | Where-Object Check -eq 'ArchiveReadable').Passed | Should -BeFalse
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'BackupTestFailed,*'
    }

    It 'fails a dump with one flipped bit' {
        $copy = Copy-Backup 'bitflip'
        $dump = Join-Path $copy $DumpName
        $bytes = [IO.File]::ReadAllBytes($dump)
        $bytes[[int]($bytes.Length / 2)] = $bytes[[int]($bytes.Length / 2)] -bxor 0x10
        [IO.File]::WriteAllBytes($dump, $bytes)
        $result = Test-ScorecardBackup -Path $copy -ErrorAction SilentlyContinue
        $result.Passed | Should -BeFalse
        ($result.Checks | Where-Object Check -eq 'Checksum').Detail | Should -Match "$([regex]::Escape($DumpName)): SHA-256"
    }

    It 'refuses to restore a damaged backup, before touching the database' {
        $copy = Copy-Backup 'damaged-restore'
        Add-Content -Path (Join-Path $copy $DumpName) -Value 'junk'
        $target = 'never_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $err = { Restore-ScorecardBackup -Path $copy -TargetDatabase $target -DatabaseUrl $Url -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'BackupChecksumMismatch,*'
        (Invoke-TestSql -Database postgres -Sql "SELECT count(*) AS n FROM pg_database WHERE datname = '$target'").n | Should -Be 0
    }

    It 'names the tables whose counts differ in a restore drill, when manifest and summary.txt agree on wrong counts' {
        $copy = Copy-Backup 'miscounted'
        # Wrong everywhere the counts are written, hashes updated: only restoring the archive can tell.
        $summary = Join-Path $copy 'summary.txt'
        $total = $Good.TotalRows + (999 - 156) + (1 - 22)
        (Get-Content $summary) -replace '^  public\.users: 156$', '  public.users: 999' -replace '^  public\.teams: 22$', '  public.teams: 1' -replace '^Total Rows: \d+$', "Total Rows: $total" |
            Set-Content $summary
        Set-ManifestField $copy {
            param($m)
            $m.tables['public.users'] = 999; $m.tables['public.teams'] = 1; $m.totalRows = $total
            $m.files['summary.txt'] = @{ sha256 = (Get-FileHash $summary -Algorithm SHA256).Hash.ToLowerInvariant(); bytes = (Get-Item $summary).Length }
        }
        $result = Test-ScorecardBackup -Path $copy -RestoreDrill -DatabaseUrl $Url -ErrorAction SilentlyContinue
        ($result.Checks | Where-Object Check -eq 'TableOfContents').Passed | Should -BeTrue
        $rowCounts = $result.Checks | Where-Object Check -eq 'RowCounts'
        $rowCounts.Passed | Should -BeFalse
        $rowCounts.Detail | Should -Match 'public\.teams: 1 in the backup, 22 restored'
        $rowCounts.Detail | Should -Match 'public\.users: 999 in the backup, 156 restored'
    }

    It 'refuses a manifest that does not list its archive with a SHA-256' {
        $copy = Copy-Backup 'unlisted'
        Set-ManifestField $copy { param($m) $m.files.Remove($DumpName) }
        (Test-ScorecardBackup -Path $copy -ErrorAction SilentlyContinue).Checks[0].Detail | Should -Match 'does not list the archive'
        $err = { Restore-ScorecardBackup -Path $copy -TargetDatabase 'never_unlisted' -DatabaseUrl $Url -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'BackupManifestInvalid,*'
        Set-ManifestField $copy { param($m) $m.dumpFile = '../../etc/passwd' }
        (Get-ScorecardBackup -Destination $Destination -Name (Split-Path -Leaf $copy)).Status | Should -Be 'Incomplete'
    }

    It 'reports a stale backup with -MaxAge' {
        $copy = Copy-Backup 'stale'
        Set-ManifestField $copy { param($m) $m.completedAt = [DateTime]::UtcNow.AddDays(-3).ToString('o') }
        $result = Test-ScorecardBackup -Path $copy -MaxAge '1.02:00:00' -ErrorAction SilentlyContinue
        ($result.Checks | Where-Object Check -eq 'Freshness').Passed | Should -BeFalse
    }

    It 'reports a folder without a manifest as Incomplete in Get-ScorecardBackup' {
        New-Item -ItemType Directory (Join-Path $Destination 'backup-2020-01-01T00-00-00') | Out-Null
        $incomplete = Get-ScorecardBackup -Destination $Destination -Name 'backup-2020-*'
        $incomplete.Status | Should -Be 'Incomplete'
        $incomplete.Error | Should -Match 'no manifest'
        (Test-ScorecardBackup -Path $incomplete.Path -ErrorAction SilentlyContinue).Passed | Should -BeFalse
    }
}

Describe 'Retention' {
    BeforeEach {
        $script:Destination = New-Destination
        $script:Old = foreach ($daysAgo in 50, 45, 40) {
            $backup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination -RetentionDays 10000
            Set-ManifestField $backup.Path { param($m) $m.startedAt = [DateTime]::UtcNow.AddDays(-$daysAgo).ToString('o') }
            $backup.Name
        }
        Set-Content (Join-Path $Destination 'notes.txt') 'an admin''s own file'
        New-Item -ItemType Directory (Join-Path $Destination 'backup-by-hand') | Out-Null
        New-Item -ItemType Directory (Join-Path $Destination 'archive') | Out-Null
    }

    It 'keeps the newest KeepLast when every backup is older than RetentionDays, and nothing foreign is touched' {
        $new = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination -RetentionDays 30 -KeepLast 2
        $remaining = (Get-ChildItem $Destination -Directory).Name
        $remaining | Should -Contain $new.Name
        $remaining | Should -Contain $Old[2]           # 40 days old: the newest old one, kept by KeepLast 2
        $remaining | Should -Not -Contain $Old[0]
        $remaining | Should -Not -Contain $Old[1]
        $remaining | Should -Contain 'backup-by-hand'
        $remaining | Should -Contain 'archive'
        Join-Path $Destination 'notes.txt' | Should -Exist
        $log = Get-Content (Join-Path $Destination 'backup.log') -Raw
        $log | Should -Match "RETAIN  Removed $($Old[0])"
        $log | Should -Match "RETAIN  Removed $($Old[1])"
    }

    It 'never removes the last KeepLast, even with RetentionDays 0' {
        Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination -RetentionDays 0 -KeepLast 1 | Out-Null
        @(Get-ScorecardBackup -Destination $Destination | Where-Object Status -eq 'Succeeded').Count | Should -Be 1
    }

    It 'reads BACKUP_RETENTION_DAYS and BACKUP_KEEP_MIN from the .env file' {
        $envFile = Join-Path $Destination 'scorecard.env'
        Set-Content $envFile @("DATABASE_URL=$Url", 'BACKUP_DIR=.', 'BACKUP_RETENTION_DAYS=42', 'BACKUP_KEEP_MIN=1')
        $new = Invoke-ScorecardBackup -EnvFile $envFile
        $new.Path | Should -BeLike "$Destination*"
        $remaining = (Get-ChildItem $Destination -Directory -Filter 'backup-2*').Name
        @($remaining) | Should -Be @(@($Old[2], $new.Name) | Sort-Object)
    }

    It 'deletes nothing with -WhatIf, and says what it would remove' {
        $before = (Get-ChildItem $Destination -Recurse).FullName
        # "What if:" lines go straight to the host; a transcript is how to read them.
        $transcript = Join-Path $Root "whatif-$([guid]::NewGuid().ToString('N')).txt"
        Start-Transcript -Path $transcript | Out-Null
        try { Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination -RetentionDays 30 -KeepLast 1 -WhatIf } finally { Stop-Transcript | Out-Null }
        (Get-ChildItem $Destination -Recurse).FullName | Should -Be $before
        $output = Get-Content $transcript -Raw
        $output | Should -Match 'What if: .*"Back up the database"'
        $output | Should -Match "Remove expired backup.*$($Old[0])"
        $output | Should -Match "Remove expired backup.*$($Old[1])"
        $output | Should -Not -Match "Remove expired backup.*$($Old[2])"
    }

    It 'rejects a malformed BACKUP_RETENTION_DAYS with InvalidSetting' {
        $env:BACKUP_RETENTION_DAYS = 'thirty'
        try {
            $err = { Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination -ErrorAction Stop } | Should -Throw -PassThru
        } finally { $env:BACKUP_RETENTION_DAYS = $null }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidSetting,*'
        $err.Exception.Message | Should -Match 'BACKUP_RETENTION_DAYS'
    }
}

Describe 'The nightly script of the help, run with pwsh -File' {
    BeforeAll {
        # The script exactly as Example 2 of Invoke-ScorecardBackup's help shows it, its two paths pointed at this test.
        $page = Get-Content (Join-Path $PSScriptRoot '../../docs/Invoke-ScorecardBackup.md') -Raw
        $script:Example = [regex]::Match($page, '(?s)### Example 2: A nightly script run with pwsh -File\s+```powershell\r?\n(.*?)```').Groups[1].Value
        $script:ModulePath = Split-Path (Split-Path (Get-TestModulePath))
        Import-Module (Join-Path $PSScriptRoot '../../build/TestServices.psm1') -Function Get-PwshCommand -Force
        $script:Pwsh = Get-PwshCommand

        function Invoke-NightlyScript([string] $DatabaseUrl) {
            $folder = New-Destination
            New-Item -ItemType Directory $folder | Out-Null
            $envFile = Join-Path $folder '.env'
            Set-Content $envFile "DATABASE_URL=$DatabaseUrl`nBACKUP_DIR=$folder/backups"
            $csv = Join-Path $folder 'latest-backup.csv'
            $script = Join-Path $folder 'nightly.ps1'
            Set-Content $script ($Example.Replace('/opt/sales-scorecard/production-backend/.env', $envFile).Replace('/var/log/scorecard/latest-backup.csv', $csv))
            $saved = $env:PSModulePath
            $env:PSModulePath = $ModulePath + [IO.Path]::PathSeparator + $saved
            $env:NO_COLOR = '1'
            try { & $Pwsh[0] @($Pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $script *> (Join-Path $folder 'output.txt') } finally { $env:PSModulePath = $saved; $env:NO_COLOR = $null }
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; NextLineRan = (Test-Path $csv); Output = Get-Content (Join-Path $folder 'output.txt') -Raw }
        }
    }

    It 'is found in the help page' {
        $Example | Should -Match "ErrorActionPreference = 'Stop'"
    }

    It 'exits with 1 and runs no further line when the backup fails' {
        $run = Invoke-NightlyScript (Get-TestDatabaseUrl 'no_such_database_here')
        $run.Output | Should -Match 'no_such_database_here'
        $run.NextLineRan | Should -BeFalse
        $run.ExitCode | Should -Be 1
    }

    It 'exits with 0 and goes on when the backup succeeds' {
        $run = Invoke-NightlyScript $Url
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.NextLineRan | Should -BeTrue
    }
}
