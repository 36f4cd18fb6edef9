# Issue 10: the one-pass archive pipeline (zstd, age), read back by the module and by the standard tools alone.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Database = New-TestDatabase
    $script:Url = Get-TestDatabaseUrl $Database
    $script:Root = New-TestFolder
    $script:SavedEnvironment = Clear-SettingEnvironment
    $script:Original = Get-TableDigest $Database

    function New-Destination { Join-Path $Root ([guid]::NewGuid().ToString('N').Substring(0, 8)) }
    function New-TargetName { 'arch_' + [guid]::NewGuid().ToString('N').Substring(0, 10) }


    # The night the module is not at hand: a shell pipeline of the standard tools ($Producer writes the raw archive)
    # into pg_restore of the test server's version, restoring into a new database whose tables must equal the original's.
    function Assert-RestoresWithNativeTools([string] $Producer) {
        $target = New-TargetName
        Invoke-TestSql -Database postgres -Sql "CREATE DATABASE `"$target`" TEMPLATE template0" | Out-Null
        $uri = [uri]((Get-TestServerUrl) -replace '^postgres(ql)?://', 'http://')
        $pgRestore = Join-Path $env:SCORECARD_TEST_PG_BIN 'pg_restore'
        $env:PGPASSWORD = Get-TestServerPassword
        try {
            & bash -c "set -o pipefail; $Producer | '$pgRestore' -h $($uri.Host) -p $($uri.Port) -U postgres -d $target --single-transaction --exit-on-error"
            $LASTEXITCODE | Should -Be 0
            $copy = Get-TableDigest $target
            foreach ($table in $Original.Keys) { $copy[$table] | Should -Be $Original[$table] -Because $table }
        } finally {
            $env:PGPASSWORD = $null
            Remove-TestDatabase $target
        }
    }

    # Changes the stored archive as someone would who also "fixes" its SHA-256 and size in the manifest.
    function Set-TamperedArchive([string] $Folder, [scriptblock] $Change) {
        $manifestPath = Join-Path $Folder 'manifest.json'
        $manifest = Get-Content $manifestPath -Raw | ConvertFrom-Json -AsHashtable
        $archive = Join-Path $Folder $manifest.dumpFile
        $bytes = [IO.File]::ReadAllBytes($archive)
        [IO.File]::WriteAllBytes($archive, [byte[]](& $Change $bytes))
        $manifest.files[$manifest.dumpFile].sha256 = (Get-FileHash $archive -Algorithm SHA256).Hash.ToLowerInvariant()
        $manifest.files[$manifest.dumpFile].bytes = (Get-Item $archive).Length
        $manifest | ConvertTo-Json -Depth 10 | Set-Content $manifestPath
    }

    function Copy-Backup($Backup, [string] $Suffix) {
        $copy = "$($Backup.Path)-$Suffix"
        Copy-Item -Recurse $Backup.Path $copy
        $copy
    }
}

AfterAll {
    Remove-TestDatabase $Database
    Remove-Item -Recurse -Force $Root -ErrorAction SilentlyContinue
    Restore-SettingEnvironment $SavedEnvironment
}

Describe 'A zstd backup, made in one pass' {
    BeforeAll {
        $script:Backup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination (New-Destination) -ErrorAction Stop
        $script:Manifest = Get-Content (Join-Path $Backup.Path 'manifest.json') -Raw | ConvertFrom-Json -AsHashtable
    }

    It 'stores <database>.dump.zst, and the manifest records zstd:1 and both SHA-256' {
        Split-Path -Leaf $Backup.DumpFile | Should -Be "$Database.dump.zst"
        $Backup.Compression | Should -Be 'zstd:1'
        $Backup.Encrypted | Should -BeFalse
        $Backup.Verified | Should -BeTrue
        $Manifest.compression | Should -Be 'zstd:1'
        $Manifest.encryption | Should -BeNullOrEmpty
        $Manifest.files["$Database.dump.zst"].sha256 | Should -Be (Get-FileHash $Backup.DumpFile -Algorithm SHA256).Hash.ToLowerInvariant()
        Get-Content (Join-Path $Backup.Path 'summary.txt') | Should -Contain 'Compression: zstd:1'
    }

    It 'decompresses with the zstd tool to the raw archive whose SHA-256 the manifest holds' {
        $raw = Join-Path $Root 'raw.dump'
        & zstd -q -d -f $Backup.DumpFile -o $raw
        $LASTEXITCODE | Should -Be 0
        (Get-FileHash $raw -Algorithm SHA256).Hash.ToLowerInvariant() | Should -Be $Manifest.rawSha256
        (Get-Item $raw).Length | Should -Be $Manifest.rawBytes
        (Get-Item $raw).Length | Should -BeGreaterThan (Get-Item $Backup.DumpFile).Length
    }

    It 'restores with zstd -dc | pg_restore alone, every table identical' {
        Assert-RestoresWithNativeTools "zstd -q -d -c '$($Backup.DumpFile)'"
    }

    It 'restores, tests and drills with the module, reading the archive as a stream' {
        $target = New-TargetName
        try {
            ($Backup | Restore-ScorecardBackup -TargetDatabase $target -DatabaseUrl $Url -Confirm:$false).Passed | Should -BeTrue
        } finally { Remove-TestDatabase $target }
        $result = Test-ScorecardBackup -InputObject $Backup -RestoreDrill -DatabaseUrl $Url
        $result.Passed | Should -BeTrue
        $result.Checks.Check | Should -Be @('Manifest', 'Checksum', 'ArchiveReadable', 'TableOfContents', 'RestoreDrill', 'RowCounts')
    }

    It 'refuses -Jobs on restore with JobsNeedPlainArchive, touching nothing' {
        $target = New-TargetName
        $err = { $Backup | Restore-ScorecardBackup -TargetDatabase $target -DatabaseUrl $Url -Jobs 2 -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'JobsNeedPlainArchive,*'
        Test-DatabaseExists $target | Should -BeFalse
    }

    It 'takes zstd:N from -Compression and BACKUP_COMPRESSION' {
        (Invoke-ScorecardBackup -DatabaseUrl $Url -Destination (New-Destination) -Compression 'zstd:19').Compression | Should -Be 'zstd:19'
        $env:BACKUP_COMPRESSION = 'ZSTD:2'
        try { (Invoke-ScorecardBackup -DatabaseUrl $Url -Destination (New-Destination)).Compression | Should -Be 'zstd:2' } finally { $env:BACKUP_COMPRESSION = $null }
    }

    It 'refuses <Value> with InvalidCompression before anything is written' -ForEach @(@{ Value = 'lz4' }, @{ Value = 'zstd:20' }, @{ Value = 'zstd:0' }) {
        $destination = New-Destination
        $err = { Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination -Compression $Value -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidCompression,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $destination | Should -Not -Exist
    }

    It 'fails with BackupFailed when pg_dump says it succeeded but its stream does not read back whole' -Skip:$IsWindows {
        $wrapper = New-PgDumpWrapper (Join-Path $Root 'truncating-stream') (@(
            'case "$1" in --version) exec "$REAL_PG_DUMP" "$@";; esac'
            'tmp=$(mktemp); "$REAL_PG_DUMP" "$@" > "$tmp" || exit $?'
            '# Only the first 60 % reaches the pipe: its table of contents lists fine, its data is cut.'
            'size=$(stat -c %s "$tmp"); head -c $((size * 6 / 10)) "$tmp"; rm "$tmp"'
        ) -join "`n")
        $destination = New-Destination
        $env:PG_DUMP_PATH = $wrapper
        try { $err = { Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination -ErrorAction Stop } | Should -Throw -PassThru } finally { $env:PG_DUMP_PATH = $null }
        $err.FullyQualifiedErrorId | Should -BeLike 'BackupFailed,*'
        $err.Exception.Message | Should -Match 'does not read back whole'
        @(Get-ChildItem $destination -Directory) | Should -BeNullOrEmpty
    }
}

Describe 'Backups made before the pipeline, and pg_dump''s own compression' {
    It 'writes <database>.dump with -Compression pg_dump, and a manifest without a compression field still lists, tests and restores' {
        $backup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination (New-Destination) -Compression pg_dump
        Split-Path -Leaf $backup.DumpFile | Should -Be "$Database.dump"
        $backup.Compression | Should -Be 'pg_dump'
        # As 0.1 wrote it: no compression, encryption or raw checksum.
        $path = Join-Path $backup.Path 'manifest.json'
        $manifest = Get-Content $path -Raw | ConvertFrom-Json -AsHashtable
        foreach ($key in 'compression', 'encryption', 'rawSha256', 'rawBytes') { $manifest.Remove($key) }
        $manifest.manifestVersion = 1
        $manifest | ConvertTo-Json -Depth 10 | Set-Content $path
        $old = Get-ScorecardBackup -Destination (Split-Path $backup.Path) -Latest
        $old.Compression | Should -Be 'pg_dump'
        (Test-ScorecardBackup -InputObject $old).Passed | Should -BeTrue
        $target = New-TargetName
        try { ($old | Restore-ScorecardBackup -TargetDatabase $target -DatabaseUrl $Url -Jobs 2 -Confirm:$false).Passed | Should -BeTrue } finally { Remove-TestDatabase $target }
    }
}

Describe 'Encrypted backups (age)' {
    BeforeAll {
        $script:KeyFolder = Join-Path $Root 'keys'
        New-Item -ItemType Directory $KeyFolder | Out-Null
        $script:ModuleKey = New-ScorecardBackupKey -Path (Join-Path $KeyFolder 'module-key.txt')
        $script:ToolKeyFile = Join-Path $KeyFolder 'age-keygen.txt'
        & age-keygen -o $ToolKeyFile 2>$null
        $script:ToolRecipient = (& age-keygen -y $ToolKeyFile).Trim()
        $script:StrangerKey = New-ScorecardBackupKey -Path (Join-Path $KeyFolder 'stranger.txt')
        $script:Destination = New-Destination
        $script:Encrypted = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination -Recipient $ModuleKey.Recipient, $ToolRecipient -ErrorAction Stop
    }

    It 'stores <database>.dump.zst.age, an age file, and records the recipients but no identity' {
        Split-Path -Leaf $Encrypted.DumpFile | Should -Be "$Database.dump.zst.age"
        $Encrypted.Encrypted | Should -BeTrue
        [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes($Encrypted.DumpFile), 0, 21) | Should -Be 'age-encryption.org/v1'
        $manifest = Get-Content (Join-Path $Encrypted.Path 'manifest.json') -Raw | ConvertFrom-Json -AsHashtable
        $manifest.encryption.format | Should -Be 'age-v1'
        @($manifest.encryption.recipients) | Should -Be @($ModuleKey.Recipient, $ToolRecipient)
        Get-Content (Join-Path $Encrypted.Path 'manifest.json') -Raw | Should -Not -Match 'AGE-SECRET-KEY'
    }

    It 'writes no plaintext of the database anywhere in the destination' {
        # A value of the data (not a table name): it must not be readable in any file the run wrote.
        foreach ($file in Get-ChildItem $Destination -Recurse -File -Force) {
            [IO.File]::ReadAllText($file.FullName) | Should -Not -Match 'company_metro' -Because $file.Name
        }
        @(Get-ChildItem $Encrypted.Path -File -Force).Name | Sort-Object | Should -Be @(@('manifest.json', 'summary.txt', "$Database.dump.zst.age") | Sort-Object)
    }

    It 'restores with age -d | zstd -dc | pg_restore alone, with the key New-ScorecardBackupKey wrote' {
        Assert-RestoresWithNativeTools "age -d -i '$($ModuleKey.Path)' '$($Encrypted.DumpFile)' | zstd -q -d -c"
    }

    It 'restores with the module and an identity made by age-keygen' {
        $target = New-TargetName
        try {
            ($Encrypted | Restore-ScorecardBackup -TargetDatabase $target -DatabaseUrl $Url -IdentityFile $ToolKeyFile -Confirm:$false).Passed | Should -BeTrue
        } finally { Remove-TestDatabase $target }
    }

    It 'needs an identity to restore: IdentityRequired without one, IdentityDoesNotMatch with the wrong one, nothing created' {
        $target = New-TargetName
        $err = { $Encrypted | Restore-ScorecardBackup -TargetDatabase $target -DatabaseUrl $Url -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'IdentityRequired,*'
        $err.Exception.Message | Should -Match ([regex]::Escape($ModuleKey.Recipient))
        $err = { $Encrypted | Restore-ScorecardBackup -TargetDatabase $target -DatabaseUrl $Url -IdentityFile $StrangerKey.Path -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'IdentityDoesNotMatch,*'
        Test-DatabaseExists $target | Should -BeFalse
    }

    It 'is tested without an identity as far as it can be, and whole with one, drill included' {
        $result = Test-ScorecardBackup -InputObject $Encrypted
        $result.Passed | Should -BeTrue
        $result.Checks.Check | Should -Be @('Manifest', 'Checksum', 'EncryptedHeader')
        ($result.Checks | Where-Object Check -eq 'EncryptedHeader').Detail | Should -Match 'need the identity'
        $env:BACKUP_IDENTITY_FILE = $ModuleKey.Path
        try { $whole = Test-ScorecardBackup -InputObject $Encrypted -RestoreDrill -DatabaseUrl $Url } finally { $env:BACKUP_IDENTITY_FILE = $null }
        $whole.Passed | Should -BeTrue
        $whole.Checks.Check | Should -Be @('Manifest', 'Checksum', 'ArchiveReadable', 'TableOfContents', 'RestoreDrill', 'RowCounts')
    }

    It 'reads the recipients from a recipients file named by BACKUP_ENCRYPTION_RECIPIENTS' {
        $file = Join-Path $KeyFolder 'recipients.txt'
        Set-Content $file @('# the DBA''s offline key', $ModuleKey.Recipient, '')
        $env:BACKUP_ENCRYPTION_RECIPIENTS = $file
        try { $backup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination (New-Destination) } finally { $env:BACKUP_ENCRYPTION_RECIPIENTS = $null }
        $backup.Encrypted | Should -BeTrue
        (Test-ScorecardBackup -InputObject $backup -IdentityFile $ModuleKey.Path).Passed | Should -BeTrue
    }

    It 'refuses encryption it cannot honour (<Why>) with EncryptionUnsupported, writing nothing' -ForEach @(
        @{ Why = '-Jobs'; Extra = @{ Jobs = 2 } }
        @{ Why = 'pg_dump compression'; Extra = @{ Compression = 'pg_dump' } }
    ) {
        $destination = New-Destination
        $err = { Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination -Recipient $ModuleKey.Recipient @Extra -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'EncryptionUnsupported,*'
        @(Get-ChildItem $destination -Directory -ErrorAction SilentlyContinue) | Should -BeNullOrEmpty
        Get-Content (Join-Path $destination 'backup.log') -Raw | Should -Match 'FAILED  EncryptionUnsupported'
    }

    It 'never repeats a secret key given where the path of a key file belongs' {
        $secret = (Get-Content $StrangerKey.Path | Where-Object { $_ -like 'AGE-SECRET-KEY-*' }).Trim()
        $output = Invoke-Capturing {
            $Encrypted | Restore-ScorecardBackup -TargetDatabase (New-TargetName) -DatabaseUrl $Url -IdentityFile $secret -Confirm:$false -ErrorAction Stop
        }
        $output | Should -Match 'InvalidKeyFilePath'
        $output | Should -Not -Match ([regex]::Escape($secret.Substring(20)))
        $output = Invoke-Capturing { Invoke-ScorecardBackup -DatabaseUrl $Url -Destination (New-Destination) -Recipient $secret -ErrorAction Stop }
        $output | Should -Match 'InvalidKeyFilePath'
        $output | Should -Not -Match ([regex]::Escape($secret.Substring(20)))
    }

    It 'refuses a malformed recipient with InvalidRecipient' {
        $err = { Invoke-ScorecardBackup -DatabaseUrl $Url -Destination (New-Destination) -Recipient 'age1notakey' -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidRecipient,*'
    }
}

Describe 'A changed or cut archive is caught on every path' {
    BeforeAll {
        $script:Plain = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination (New-Destination)
        $script:Key = New-ScorecardBackupKey -Path (Join-Path $Root "tamper-key-$([guid]::NewGuid().ToString('N')).txt")
        $script:Sealed = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination (New-Destination) -Recipient $Key.Recipient
    }

    It '<Damage> in the <Kind> archive, its checksum "fixed": Test and Restore fail with ArchiveTampered' -ForEach @(
        @{ Kind = 'zstd'; Damage = 'a flipped byte'; Change = { param($b) $b[[int]($b.Length * 0.7)] = $b[[int]($b.Length * 0.7)] -bxor 0x01; , $b } }
        @{ Kind = 'zstd'; Damage = 'a cut'; Change = { param($b) , $b[0..([int]($b.Length * 0.8))] } }
        @{ Kind = 'encrypted'; Damage = 'a flipped byte'; Change = { param($b) $b[[int]($b.Length * 0.7)] = $b[[int]($b.Length * 0.7)] -bxor 0x01; , $b } }
        @{ Kind = 'encrypted'; Damage = 'a cut'; Change = { param($b) , $b[0..([int]($b.Length * 0.8))] } }
    ) {
        $backup = $Kind -eq 'zstd' ? $Plain : $Sealed
        $copy = Copy-Backup $backup ($Kind + ($Damage -replace ' ', '-'))
        Set-TamperedArchive $copy $Change
        if ($Kind -eq 'encrypted') { $env:BACKUP_IDENTITY_FILE = $Key.Path }
        try {
            $result = Test-ScorecardBackup -Path $copy -ErrorAction SilentlyContinue
            ($result.Checks | Where-Object Check -eq 'Checksum').Passed | Should -BeTrue   # the SHA-256 was "fixed"
            $readable = $result.Checks | Where-Object Check -eq 'ArchiveReadable'
            $readable.Passed | Should -BeFalse
            $readable.Detail | Should -Match 'changed or cut short'
            $target = New-TargetName
            $err = { Restore-ScorecardBackup -Path $copy -TargetDatabase $target -DatabaseUrl $Url -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'ArchiveTampered,*'
            $err.CategoryInfo.Category | Should -Be 'InvalidData'
            Test-DatabaseExists $target | Should -BeFalse
        } finally { $env:BACKUP_IDENTITY_FILE = $null }
    }

    It 'a changed byte without a "fixed" checksum fails the checksum before anything is read (<Kind>)' -ForEach @(@{ Kind = 'zstd' }, @{ Kind = 'encrypted' }) {
        $backup = $Kind -eq 'zstd' ? $Plain : $Sealed
        $copy = Copy-Backup $backup "$Kind-unfixed"
        $bytes = [IO.File]::ReadAllBytes((Join-Path $copy (Split-Path -Leaf $backup.DumpFile)))
        $bytes[100] = $bytes[100] -bxor 0x01
        [IO.File]::WriteAllBytes((Join-Path $copy (Split-Path -Leaf $backup.DumpFile)), $bytes)
        (Test-ScorecardBackup -Path $copy -ErrorAction SilentlyContinue | ForEach-Object Checks | Where-Object Check -eq 'Checksum').Passed | Should -BeFalse
        $err = { Restore-ScorecardBackup -Path $copy -TargetDatabase (New-TargetName) -DatabaseUrl $Url -IdentityFile $Key.Path -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'BackupChecksumMismatch,*'
    }
}
