# Issue 11: offsite copies on an S3-compatible store (s3rver here), read back by the module and by rclone alone.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Database = New-TestDatabase
    $script:Url = Get-TestDatabaseUrl $Database
    $script:Root = New-TestFolder
    $script:SavedEnvironment = Clear-SettingEnvironment
    $script:Original = Get-TableDigest $Database

    function New-Destination { Join-Path $Root ([guid]::NewGuid().ToString('N').Substring(0, 8)) }
    function New-TargetName { 'offs_' + [guid]::NewGuid().ToString('N').Substring(0, 10) }
}

AfterAll {
    Remove-TestDatabase $Database
    Remove-Item -Recurse -Force $Root -ErrorAction SilentlyContinue
    Restore-SettingEnvironment $SavedEnvironment
}

Describe 'A verified backup copied offsite' {
    BeforeAll {
        $script:Remote = Set-TestS3Environment
        $script:Destination = New-Destination
        $script:Backup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination
        $script:Prefix = $Remote -replace '^s3://', ''
    }

    It 'says where the copy went and that it was verified' {
        $Backup.Offsite | Should -Be "$Remote/$($Backup.Name)"
        $Backup.OffsiteVerified | Should -BeTrue
    }

    It 'puts every file of the local backup, manifest.json included, on the store with the same bytes' {
        $listed = Invoke-Rclone @('lsjson', '--hash', "sc:$Prefix/$($Backup.Name)")| ConvertFrom-Json
        $local = Get-ChildItem $Backup.Path -File
        ($listed.Name | Sort-Object) | Should -Be ($local.Name | Sort-Object)
        foreach ($file in $local) {
            ($listed | Where-Object Name -eq $file.Name).Size | Should -Be $file.Length -Because $file.Name
        }
    }

    It 'writes an OFFSITE line to backup.log' {
        Get-Content (Join-Path $Destination 'backup.log') | Where-Object { $_ -match "OFFSITE\s+$($Backup.Name) copied to $([regex]::Escape($Backup.Offsite))" } | Should -HaveCount 1
    }
}

Describe 'Backups on the store, read back' {
    BeforeAll {
        $script:Remote = Set-TestS3Environment
        $script:Prefix = $Remote -replace '^s3://', ''
        $script:Destination = New-Destination
        $script:First = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination
        $script:Second = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination
    }

    It 'lists them from their manifests, newest first, as the same objects the local listing gives' {
        $listed = @(Get-ScorecardBackup -Offsite)
        $listed.Name | Should -Be @($Second.Name, $First.Name)
        $listed[0].GetType() | Should -Be $Second.GetType()
        $listed[0].pstypenames[0] | Should -Be 'SalesScorecard.BackupInfo'
        $listed[0].Path | Should -Be "$Remote/$($Second.Name)"
        $listed[0].TotalRows | Should -Be $Second.TotalRows
        $listed[0].Sha256 | Should -Be $Second.Sha256
        (Get-ScorecardBackup -Offsite -Latest).Name | Should -Be $Second.Name
    }

    It 'never lists a backup whose manifest is not on the store (a copy cut short)' {
        $orphan = Join-Path (New-TestFolder) 'backup-2020-01-01T00-00-00'
        New-Item -ItemType Directory $orphan | Out-Null
        Copy-Item (Join-Path $First.Path '*.zst') $orphan
        Invoke-Rclone @('copy', $orphan, "sc:$Prefix/backup-2020-01-01T00-00-00") | Out-Null
        (Get-ScorecardBackup -Offsite).Name | Should -Not -Contain 'backup-2020-01-01T00-00-00'
    }

    It 'passes Test-ScorecardBackup -Offsite with a restore drill, streamed from the store' {
        $result = Test-ScorecardBackup -Offsite -RestoreDrill -DatabaseUrl $Url
        $result.Name | Should -Be $Second.Name
        $result.Passed | Should -BeTrue -Because ($result.Checks | Out-String)
        $result.Checks.Check | Should -Contain 'RowCounts'
        (Get-ScorecardBackup -Offsite -Name $First.Name | Test-ScorecardBackup).Passed | Should -BeTrue
    }

    It 'restores from the store into a new database with every row' {
        $target = New-TargetName
        try {
            $result = Restore-ScorecardBackup -Path "$Remote/$($First.Name)" -TargetDatabase $target -DatabaseUrl $Url -Confirm:$false
            $result.Passed | Should -BeTrue
            $copy = Get-TableDigest $target
            foreach ($table in $Original.Keys) { $copy[$table] | Should -Be $Original[$table] -Because $table }
        } finally { Remove-TestDatabase $target }
    }

    It 'uploads exactly the bytes of the local backup: rclone downloads them, and the module and the native tools restore that copy' {
        $downloaded = Join-Path (New-TestFolder) $First.Name
        Invoke-Rclone @('copy', "sc:$Prefix/$($First.Name)", $downloaded) | Out-Null
        foreach ($file in Get-ChildItem $First.Path -File) {
            (Get-FileHash (Join-Path $downloaded $file.Name)).Hash | Should -Be (Get-FileHash $file.FullName).Hash -Because $file.Name
        }
        $target = New-TargetName
        try {
            (Restore-ScorecardBackup -Path $downloaded -TargetDatabase $target -DatabaseUrl $Url -Confirm:$false).Passed | Should -BeTrue
        } finally { Remove-TestDatabase $target }

        $native = New-TargetName
        Invoke-TestSql -Database postgres -Sql "CREATE DATABASE `"$native`" TEMPLATE template0" | Out-Null
        $uri = [uri]((Get-TestServerUrl) -replace '^postgres(ql)?://', 'http://')
        $env:PGPASSWORD = Get-TestServerPassword
        try {
            $archive = Join-Path $downloaded (Get-Content (Join-Path $downloaded 'manifest.json') -Raw | ConvertFrom-Json).dumpFile
            & bash -c "set -o pipefail; zstd -dc '$archive' | '$(Join-Path $env:SCORECARD_TEST_PG_BIN 'pg_restore')' -h $($uri.Host) -p $($uri.Port) -U postgres -d $native --single-transaction --exit-on-error"
            $LASTEXITCODE | Should -Be 0
            $copy = Get-TableDigest $native
            foreach ($table in $Original.Keys) { $copy[$table] | Should -Be $Original[$table] -Because $table }
        } finally {
            $env:PGPASSWORD = $null
            Remove-TestDatabase $native
        }
    }

    It 'refuses to test or restore a copy whose archive was changed on the store after upload' {
        $changed = Join-Path (New-TestFolder) $First.Name
        Invoke-Rclone @('copy', "sc:$Prefix/$($First.Name)", $changed) | Out-Null
        $archive = Get-ChildItem $changed -Filter '*.zst'
        $bytes = [IO.File]::ReadAllBytes($archive.FullName)
        $bytes[[int]($bytes.Length / 2)] = $bytes[[int]($bytes.Length / 2)] -bxor 0xFF
        [IO.File]::WriteAllBytes($archive.FullName, $bytes)
        Invoke-Rclone @('copyto', $archive.FullName, "sc:$Prefix/$($First.Name)/$($archive.Name)") | Out-Null

        $result = Test-ScorecardBackup -Path "$Remote/$($First.Name)" -ErrorAction SilentlyContinue -ErrorVariable failure
        $result.Passed | Should -BeFalse
        ($result.Checks | Where-Object Check -eq 'ArchiveReadable').Detail | Should -Match 'changed or cut short'
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'BackupTestFailed*'

        $target = New-TargetName
        { Restore-ScorecardBackup -Path "$Remote/$($First.Name)" -TargetDatabase $target -DatabaseUrl $Url -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'ArchiveTampered*'
        Test-DatabaseExists $target | Should -BeFalse
    }

    It 'shows the offsite settings in Get-ScorecardConfig, the secret and the session token masked' {
        $secret = 'secret-' + [guid]::NewGuid().ToString('N')
        $saved = $env:AWS_SECRET_ACCESS_KEY
        $env:AWS_SECRET_ACCESS_KEY = $secret
        $env:AWS_SESSION_TOKEN = "token-$secret"
        try {
            $config = Get-ScorecardConfig
            ($config | Where-Object Name -eq 'BACKUP_S3_URL').Value | Should -Be $Remote
            ($config | Where-Object Name -eq 'AWS_ACCESS_KEY_ID').Value | Should -Be 'S3RVER'
            ($config | Out-String -Width 500) | Should -Not -Match $secret
        } finally { $env:AWS_SECRET_ACCESS_KEY = $saved; $env:AWS_SESSION_TOKEN = $null }
    }
}

Describe 'An encrypted backup copied offsite' {
    BeforeAll {
        $script:Remote = Set-TestS3Environment
        $folder = New-TestFolder
        $script:Identity = Join-Path $folder 'key.txt'
        $key = New-ScorecardBackupKey -Path $Identity
        $script:Backup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination (New-Destination) -Recipient $key.Recipient
    }

    It 'carries the same encrypted bytes, and is tested whole from the store with the identity' {
        $Backup.OffsiteVerified | Should -BeTrue
        $result = Test-ScorecardBackup -Offsite -IdentityFile $Identity
        $result.Passed | Should -BeTrue -Because ($result.Checks | Out-String)
        ($result.Checks | Where-Object Check -eq 'ArchiveReadable').Passed | Should -BeTrue
    }

    It 'is refused without the identity when its archive was changed on the store (the watchdog has no key)' {
        $prefix = $Backup.Offsite -replace '^s3://', ''
        $changed = Join-Path (New-TestFolder) 'copy'
        Invoke-Rclone @('copy', "sc:$prefix", $changed) | Out-Null
        $archive = Get-ChildItem $changed -Filter '*.age'
        $bytes = [IO.File]::ReadAllBytes($archive.FullName)
        $bytes[$bytes.Length - 100] = $bytes[$bytes.Length - 100] -bxor 0xFF
        [IO.File]::WriteAllBytes($archive.FullName, $bytes)
        Invoke-Rclone @('copyto', $archive.FullName, "sc:$prefix/$($archive.Name)") | Out-Null
        $result = Test-ScorecardBackup -Offsite -ErrorAction SilentlyContinue -ErrorVariable failure
        $result.Passed | Should -BeFalse
        ($result.Checks | Where-Object Check -eq 'Checksum').Passed | Should -BeFalse
        ($result.Checks | Where-Object Check -eq 'Checksum').Detail | Should -Match ([regex]::Escape($archive.Name))
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'BackupTestFailed*'
    }
}

Describe 'A backup streamed straight to the store' {
    BeforeAll {
        $script:Remote = Set-TestS3Environment
        $script:State = New-TestFolder
        $script:SavedState = $env:XDG_STATE_HOME
        $env:XDG_STATE_HOME = $State
        $script:Backup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Remote
    }

    AfterAll { $env:XDG_STATE_HOME = $SavedState }

    It 'leaves no copy of the archive on local disk, only the lock and backup.log' {
        $Backup.Path | Should -Be "$Remote/$($Backup.Name)"
        $Backup.OffsiteVerified | Should -BeTrue
        $files = Get-ChildItem $State -Recurse -File
        $files.Name | Should -Not -Contain $Backup.DumpFile.Split('/')[-1]
        ($files | Where-Object Name -eq 'backup.log' | Get-Content) -match "OFFSITE\s+$($Backup.Name) streamed to" | Should -HaveCount 1
    }

    It 'is listed, tested and restored like any other copy' {
        (Get-ScorecardBackup -Destination $Remote).Name | Should -Contain $Backup.Name
        (Test-ScorecardBackup -Offsite).Passed | Should -BeTrue
        $target = New-TargetName
        try {
            (Restore-ScorecardBackup -InputObject (Get-ScorecardBackup -Offsite -Latest) -TargetDatabase $target -DatabaseUrl $Url -Confirm:$false).Passed | Should -BeTrue
        } finally { Remove-TestDatabase $target }
    }
}

Describe 'Retention on the store' {
    BeforeAll {
        $script:Remote = Set-TestS3Environment
        $script:Prefix = $Remote -replace '^s3://', ''
        $script:Destination = New-Destination
        $script:Old = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination
        # Someone else's object in the prefix and one beside it: retention must never touch either.
        $stranger = Join-Path (New-TestFolder) 'notes.txt'
        Set-Content $stranger 'not a backup'
        Invoke-Rclone @('copyto', $stranger, "sc:$Prefix/notes.txt") | Out-Null
        Invoke-Rclone @('copyto', $stranger, "sc:$Prefix-other/$($Old.Name)/manifest.json") | Out-Null
        # What copies killed part way left: one from long ago, and one as young as a copy another host makes right now.
        $script:Abandoned = 'backup-2020-02-02T00-00-00'
        $script:InProgress = 'backup-' + [DateTime]::UtcNow.AddMinutes(-5).ToString('yyyy-MM-ddTHH-mm-ss')
        Invoke-Rclone @('copyto', $stranger, "sc:$Prefix/$Abandoned/summary.txt") | Out-Null
        Invoke-Rclone @('copyto', $stranger, "sc:$Prefix/$InProgress/summary.txt") | Out-Null
        $env:BACKUP_S3_RETENTION_DAYS = '0'
        $env:BACKUP_S3_KEEP_MIN = '1'
        Start-Sleep -Seconds 1
        $script:New = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination
    }

    AfterAll { $env:BACKUP_S3_RETENTION_DAYS = $null; $env:BACKUP_S3_KEEP_MIN = $null }

    It 'removes expired copies after a verified copy, keeps the floor, and touches nothing else' {
        (Get-ScorecardBackup -Offsite).Name | Should -Be @($New.Name)
        Test-Path $Old.Path | Should -BeTrue -Because 'local retention has its own settings'
        (Invoke-Rclone @('lsf', "sc:$Prefix")) | Should -Contain 'notes.txt'
        (Invoke-Rclone @('lsf', '-R', "sc:$Prefix-other")) | Should -Contain "$($Old.Name)/manifest.json"
        Get-Content (Join-Path $Destination 'backup.log') | Where-Object { $_ -match "RETAIN\s+Removed the offsite copy $([regex]::Escape("$Remote/$($Old.Name)"))" } | Should -HaveCount 1
    }

    It 'removes what a copy that never finished left a day ago or more, and leaves a younger one (another host may be copying)' {
        $left = Invoke-Rclone @('lsf', '-R', "sc:$Prefix")
        $left | Should -Not -Contain "$Abandoned/summary.txt"
        $left | Should -Contain "$InProgress/summary.txt"
        Get-Content (Join-Path $Destination 'backup.log') | Where-Object { $_ -match "CLEANUP\s+Removed 1 objects of $([regex]::Escape("$Remote/$Abandoned"))" } | Should -HaveCount 1
    }
}

Describe 'The watchdog watches the store too' {
    It 'fails OffsiteFreshness when the offsite copies stopped while local backups go on' {
        $destination = New-Destination
        Set-TestS3Environment | Out-Null
        Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination | Out-Null
        # Copies go to an empty prefix from now on, as if they had stopped: the local backup is fresh, the store is not.
        Set-TestS3Environment | Out-Null
        $result = Test-ScorecardBackup -Latest -Destination $destination -MaxAge 24 -ErrorAction SilentlyContinue -ErrorVariable failure
        ($result.Checks | Where-Object Check -eq 'Freshness').Passed | Should -BeTrue
        $offsite = $result.Checks | Where-Object Check -eq 'OffsiteFreshness'
        $offsite.Passed | Should -BeFalse
        $offsite.Detail | Should -Match 'no complete offsite copy'
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'BackupTestFailed*'
    }

    It 'passes OffsiteFreshness when the newest copy is young enough' {
        $destination = New-Destination
        Set-TestS3Environment | Out-Null
        Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination | Out-Null
        $result = Test-ScorecardBackup -Latest -Destination $destination -MaxAge 24
        ($result.Checks | Where-Object Check -eq 'OffsiteFreshness').Passed | Should -BeTrue
    }
}

# Issue 18: a copy whose manifest is on the store but whose archive was deleted there was listed as Succeeded.
Describe 'A copy whose archive is gone from the store' {
    BeforeAll {
        $script:Remote = Set-TestS3Environment
        $script:Prefix = $Remote -replace '^s3://', ''
        $script:Backup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination (New-Destination)
        $script:Archive = Split-Path -Leaf $Backup.DumpFile
        Invoke-Rclone @('deletefile', "sc:$Prefix/$($Backup.Name)/$Archive") | Out-Null
    }

    It 'is listed as Incomplete, not verified, saying which object is missing, and shown so by the view' {
        $listed = Get-ScorecardBackup -Offsite
        $listed.Name | Should -Be $Backup.Name
        $listed.Status | Should -Be 'Incomplete'
        $listed.OffsiteVerified | Should -BeFalse
        $listed.Error | Should -Match "$([regex]::Escape($Archive)): missing"
        ($listed | Out-String -Width 120) | Should -Match "$($Backup.Name)\s.*Incomplete"
    }

    It 'is never the latest copy, and its test fails with BackupTestFailed naming the missing archive' {
        Get-ScorecardBackup -Offsite -Latest -ErrorAction SilentlyContinue -ErrorVariable notFound | Should -BeNullOrEmpty
        $notFound[0].FullyQualifiedErrorId | Should -BeLike 'BackupNotFound,*'
        $result = Get-ScorecardBackup -Offsite | Test-ScorecardBackup -ErrorAction SilentlyContinue -ErrorVariable failure
        $result.Passed | Should -BeFalse
        ($result.Checks | Where-Object Check -eq 'Checksum').Detail | Should -Match "$([regex]::Escape($Archive)): missing"
        $failure | Should -HaveCount 1
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'BackupTestFailed,*'
    }
}

# Issue 18: the watchdog's mail for a stale offsite copy said "Database Backup Failed" while the local backups were fine.
Describe 'The watchdog''s mail when only the offsite copies stopped' {
    BeforeAll {
        $script:SavedMail = Clear-MailSettingEnvironment
        $script:Destination = New-Destination
        Set-TestS3Environment | Out-Null
        Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination | Out-Null
        # Copies go to an empty prefix from now on: the local backup is fresh, the store has none.
        Set-TestS3Environment | Out-Null
        $script:To = New-Recipient
        Set-SmtpEnvironment $To
        $script:Result = Test-ScorecardBackup -Latest -Destination $Destination -MaxAge 26 -Notify -ErrorAction SilentlyContinue
        $script:Message = Wait-Delivered $To
    }
    AfterAll { Restore-SettingEnvironment $SavedMail }

    It 'says in the subject that the offsite copy is stale and the local backups fine' {
        ($Result.Checks | Where-Object Check -eq 'OffsiteFreshness').Passed | Should -BeFalse
        $Message | Should -HaveCount 1
        $Message.Subject | Should -Match 'Offsite copy stale, local backups fine'
        $Message.Subject | Should -Not -Match 'Database Backup Failed'
    }

    It 'says in the body that the local backups are fine and what failed' {
        $Message.Text | Should -Match 'The local backups are fine'
        $Message.Text | Should -Match 'OffsiteFreshness: There is no complete offsite copy'
        $Message.Text | Should -Not -Match 'Backup failed'
    }
}
