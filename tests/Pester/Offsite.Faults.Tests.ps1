# Issue 11's fault tests for offsite copies, each reproduced for real against s3rver: a store stopped before and killed
# during an upload, an unknown access key, a missing bucket; for the copy of a local backup and for a backup streamed
# straight to the store (-Destination s3://...). A test that stops or kills the store runs a private s3rver.
# What s3rver 3.7.1 can and cannot show, checked by hand against it:
# - it checks the access key id but not SigV4 signatures (its authentication middleware accepts any v4 signature of a
#   known key id): a wrong AWS_SECRET_ACCESS_KEY with the key id S3RVER is accepted, the copy succeeds. So authentication
#   failure is tested with an unknown key id; a wrong secret only fails on a store that verifies signatures.
# - it has no AbortMultipartUpload (405) and never lists the parts of an unfinished upload; what a test can see is that
#   no object of the failed backup, manifest.json above all, is listed once the store is back.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../build/TestServices.psm1') -Function Get-PwshCommand -Force
    Import-Module (Get-TestModulePath) -Force
    # Every setting, the mail ones included, and where direct backups keep their lock and backup.log.
    $script:SavedEnvironment = Clear-SettingEnvironment -Names (@((Get-ScorecardConfig).Name) + 'SCORECARD_ENV_FILE', 'XDG_STATE_HOME')
    $script:Database = New-TestDatabase
    $script:Url = Get-TestDatabaseUrl $Database
    $script:Root = New-TestFolder
    $env:XDG_STATE_HOME = Join-Path $Root 'state'

    function New-Destination { Join-Path $Root ([guid]::NewGuid().ToString('N').Substring(0, 8)) }

    # Points the mail settings at the harness's smtp4dev; returns the recipient.
    function Set-SmtpEnvironment {
        $env:SMTP_HOST = $env:SCORECARD_TEST_SMTP_HOST
        $env:SMTP_PORT = $env:SCORECARD_TEST_SMTP_PORT
        $env:SMTP_USER = $env:SCORECARD_TEST_SMTP_USER
        $env:SMTP_PASS = $env:SCORECARD_TEST_SMTP_PASS
        $env:SMTP_TRUSTED_CERT = $env:SCORECARD_TEST_SMTP_CERT
        $env:BACKUP_NOTIFICATION_EMAIL = "offsite-$([guid]::NewGuid().ToString('N').Substring(0, 10))@example.org"
        $env:BACKUP_NOTIFICATION_EMAIL
    }

    # Stops a private server the way a crash does, keeping what it stored, for Restart-PrivateS3.
    function Stop-Store($S3) {
        $S3.Process.Kill($true)
        $S3.Process.WaitForExit()
    }

    # Kills the store as soon as it has stored the first part of a multipart upload (s3rver logs each part once stored),
    # so that the kill lands in the middle of the upload. The job returns whether it killed.
    function Start-StoreKiller($S3) {
        Start-ThreadJob -ArgumentList $S3 -ScriptBlock {
            param($s3)
            $deadline = [DateTime]::UtcNow.AddSeconds(120)
            while ([DateTime]::UtcNow -lt $deadline) {
                if (Select-String -Path $s3.Log -Pattern 'partNumber=1&uploadId=' -Quiet) {
                    $s3.Process.Kill($true)
                    return $true
                }
                Start-Sleep -Milliseconds 20
            }
            $false
        }
    }

    # The keys a client of its own (rclone) lists under an s3:// address on a store.
    function Get-StoredKey([string] $Address, [string] $Endpoint = $env:SCORECARD_TEST_S3_ENDPOINT) {
        $bucket, $prefix = ($Address -replace '^s3://', '').Split('/', 2)
        @(Invoke-Rclone @('lsf', '-R', '--files-only', "sc:$bucket") -Endpoint $Endpoint | Where-Object { $_.StartsWith("$prefix/") })
    }

    # What a direct backup left in its state folder besides its lock and backup.log (a .partial folder, an archive).
    function Get-StateLeftover([string] $Address) {
        # Where the module keeps it, as the help says: $XDG_STATE_HOME/SalesScorecard/offsite/<bucket>/<prefix, / as _>.
        $bucket, $prefix = ($Address -replace '^s3://', '').Split('/', 2)
        $folder = Join-Path $env:XDG_STATE_HOME 'SalesScorecard' 'offsite' $bucket ($prefix -replace '/', '_')
        Join-Path $folder 'backup.log' | Should -Exist
        @(Get-ChildItem -Force -Recurse $folder | Where-Object Name -notin '.backup.lock', 'backup.log')
    }

    # Invoke-ScorecardBackup -ErrorAction Stop in a pwsh of its own, as cron runs it; the settings travel in its
    # environment. Returns its exit code, the BackupInfo it wrote (as JSON) and its error output (NormalView: id, category).
    function Invoke-BackupProcess([string] $DatabaseUrl, [string] $Destination) {
        $pwsh = Get-PwshCommand
        $errors = Join-Path $Root ('stderr-' + [guid]::NewGuid().ToString('N'))
        $env:DATABASE_URL = $DatabaseUrl
        try {
            $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command ("`$ErrorView = 'NormalView'; Import-Module '$(Get-TestModulePath)'; " +
                "Invoke-ScorecardBackup -Destination '$Destination' -Notify -ErrorAction Stop | ForEach-Object { `$_ | Select-Object Status, Verified, Path, Offsite, OffsiteVerified | ConvertTo-Json -Compress -EnumsAsStrings }") 2>$errors
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Backup = $output | Where-Object { $_ -like '{*' } | ConvertFrom-Json; Errors = (Get-Content $errors -Raw) -replace '\s+', ' ' }
        } finally { $env:DATABASE_URL = $null }
    }
}

AfterAll {
    Remove-TestDatabase $Database
    Remove-Item -Recurse -Force $Root -ErrorAction SilentlyContinue
    Restore-SettingEnvironment $SavedEnvironment
}

Describe 'Offsite copy of a local backup to a store stopped before it' {
    BeforeAll {
        $script:S3 = Start-PrivateS3
        $script:Remote = Set-TestS3Environment -Endpoint $S3.Endpoint -Bucket $S3.Bucket
        $script:To = Set-SmtpEnvironment
        Stop-Store $S3
        $script:Destination = New-Destination
        $script:Backup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination -Notify -ErrorVariable failures -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $script:Failures = $failures
        Set-SmtpEnvironment | Out-Null
        $script:Child = Invoke-BackupProcess $Url (New-Destination)
        $script:S3 = Restart-PrivateS3 $S3
    }
    AfterAll {
        Stop-PrivateS3 $S3
        Clear-SettingEnvironment -Names @((Get-ScorecardConfig).Name) | Out-Null
    }

    It 'keeps the local backup, verified, and writes it as the result' {
        $Backup.Status | Should -Be 'Succeeded'
        $Backup.Verified | Should -BeTrue
        $Backup.Offsite | Should -Be "$Remote/$($Backup.Name)"
        $Backup.OffsiteVerified | Should -BeFalse
        (Test-ScorecardBackup -Path $Backup.Path).Passed | Should -BeTrue
    }

    It 'writes one non-terminating OffsiteCopyFailed error that says the local backup is fine and names OffsiteNotReachable' {
        $Failures | Should -HaveCount 1
        $Failures[0].FullyQualifiedErrorId | Should -BeLike 'OffsiteCopyFailed,*'
        $Failures[0].CategoryInfo.Category | Should -Be 'WriteError'
        $Failures[0].Exception.Message | Should -Match "The local backup $($Backup.Name) is fine"
        $Failures[0].Exception.InnerException.ErrorId | Should -Be 'OffsiteNotReachable'
        $Failures[0].Exception.InnerException.Category | Should -Be 'ConnectionError'
    }

    It 'exits 1 under -ErrorAction Stop in a pwsh of its own, after writing the local backup' {
        $Child.ExitCode | Should -Be 1
        $Child.Backup.Status | Should -Be 'Succeeded'
        $Child.Backup.OffsiteVerified | Should -BeFalse
        $Child.Backup.Path | Should -Exist
        $Child.Errors | Should -Match 'FullyQualifiedErrorId : OffsiteCopyFailed,'
    }

    It 'mails that the local backup is fine and the offsite copy failed' {
        $message = Get-DeliveredMessage -To $To -WaitSeconds 10
        $message | Should -HaveCount 1
        $message.Subject | Should -Match 'offsite copy FAILED'
        $message.Text | Should -Match 'The local backup is fine; its offsite copy failed'
        $message.Text | Should -Match 'OffsiteCopyFailed'
        $message.Text | Should -Match ([regex]::Escape("$Remote/$($Backup.Name) (FAILED"))
        # No copy was ever made from this folder: the lag is unknown, and the mail says so rather than nothing.
        $message.Text | Should -Match 'Offsite lag: unknown: no complete copy to this store is on record'
    }

    It 'logs an OFFSITE line and a FAILED line' {
        $log = Get-Content (Join-Path $Destination 'backup.log')
        $log | Where-Object { $_ -match "OFFSITE\s+$($Backup.Name) was not copied to .*OffsiteNotReachable" } | Should -HaveCount 1
        $log | Where-Object { $_ -match 'FAILED\s+OffsiteCopyFailed: ' } | Should -HaveCount 1
    }

    It 'leaves no object of either backup on the store' {
        Get-StoredKey $Remote $S3.Endpoint | Should -BeNullOrEmpty
    }

    It 'has the next night catch up the missed copy, newest first, with a line each, and state the lag; a night after that without the store still knows it' {
        $Backup.OffsiteLagHours | Should -BeNullOrEmpty
        $next = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination -WarningAction SilentlyContinue -ErrorAction Stop
        $next.OffsiteVerified | Should -BeTrue
        $next.OffsiteCaughtUp | Should -Be 1
        $next.OffsiteLagHours | Should -BeLessThan 0.1
        $stored = Get-ScorecardBackup -Offsite
        $stored.Name | Should -Be @($next.Name, $Backup.Name)
        $stored.Status | Should -Be @('Succeeded', 'Succeeded')
        $log = Get-Content (Join-Path $Destination 'backup.log')
        $log | Where-Object { $_ -match "OFFSITE\s+$($Backup.Name) caught up .*copied to $([regex]::Escape("$Remote/$($Backup.Name)"))" } | Should -HaveCount 1
        $log | Select-Object -Last 3 | Where-Object { $_ -match "OFFSITE\s+Offsite lag 0\.\d h: the newest complete copy is $($next.Name)\.$" } | Should -HaveCount 1

        Stop-Store $S3
        $late = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
        $script:S3 = Restart-PrivateS3 $S3
        $late.OffsiteVerified | Should -BeFalse
        $late.OffsiteLagHours | Should -Not -BeNullOrEmpty
        Get-Content (Join-Path $Destination 'backup.log') | Select-Object -Last 3 |
            Where-Object { $_ -match "OFFSITE\s+Offsite lag \d+\.\d h: the newest complete copy is $($next.Name)\." } | Should -HaveCount 1
    }
}

Describe 'Offsite store killed during the upload' {
    BeforeAll {
        # 60 MB of random bytes as base64 text, which zstd shrinks back to about 60 MB: four 16 MiB parts.
        $script:Large = New-TestDatabase
        Invoke-TestSql -Database $Large -Sql 'CREATE TABLE ballast (id serial PRIMARY KEY, payload text NOT NULL)' | Out-Null
        Invoke-TestPgProgram psql $Large @('-X', '-q', '-c', "\copy ballast(payload) FROM PROGRAM 'head -c 60000000 /dev/urandom | base64 -w 8000'")
        $script:LargeUrl = Get-TestDatabaseUrl $Large
    }
    AfterAll {
        Remove-TestDatabase $Large
        Clear-SettingEnvironment -Names @((Get-ScorecardConfig).Name) | Out-Null
    }

    It 'keeps the local backup when the copy is cut off: no manifest on the store, exit 1, OFFSITE and FAILED logged, mail says so' {
        $s3 = Start-PrivateS3
        try {
            $remote = Set-TestS3Environment -Endpoint $s3.Endpoint -Bucket $s3.Bucket
            $to = Set-SmtpEnvironment
            $killer = Start-StoreKiller $s3
            $destination = New-Destination
            $run = Invoke-BackupProcess $LargeUrl $destination
            $killer | Wait-Job | Receive-Job | Should -BeTrue -Because 'the store must die while the archive is being uploaded'

            $run.ExitCode | Should -Be 1
            $run.Backup.Status | Should -Be 'Succeeded'
            $run.Backup.OffsiteVerified | Should -BeFalse
            $run.Errors | Should -Match 'FullyQualifiedErrorId : OffsiteCopyFailed,'
            $run.Errors | Should -Match '\(OffsiteNotReachable\)'
            (Test-ScorecardBackup -Path $run.Backup.Path).Passed | Should -BeTrue
            $log = Get-Content (Join-Path $destination 'backup.log')
            $log | Where-Object { $_ -match 'OFFSITE\s+\S+ was not copied to .*OffsiteNotReachable' } | Should -HaveCount 1
            $log | Where-Object { $_ -match 'FAILED\s+OffsiteCopyFailed: ' } | Should -HaveCount 1
            $message = Get-DeliveredMessage -To $to -WaitSeconds 10
            $message.Text | Should -Match 'The local backup is fine; its offsite copy failed'

            # summary.txt, stored whole before the kill, stays: the copy's clean-up could not reach a dead store.
            $s3 = Restart-PrivateS3 $s3
            $left = @(Get-StoredKey $remote $s3.Endpoint)
            $left -match '/manifest\.json$' | Should -BeNullOrEmpty
            $left -match '\.dump' | Should -BeNullOrEmpty -Because 'the multipart upload that was cut off must not become an object'
        } finally { Stop-PrivateS3 $s3 }
    }

    It 'stops a backup streamed to the store with OffsiteNotReachable: pg_dump gone, nothing stored, nothing left in the state folder' -Skip:(-not $IsLinux) {
        $s3 = Start-PrivateS3
        try {
            $remote = (Set-TestS3Environment -Endpoint $s3.Endpoint -Bucket $s3.Bucket) + '/direct'
            # pg_dump records its pid, then becomes the real one (exec keeps the pid).
            $pgDump = New-PgDumpWrapper (Join-Path $Root ('dump-' + [guid]::NewGuid().ToString('N').Substring(0, 8))) 'echo $$ > "$(dirname "$0")/pid"; exec "$REAL_PG_DUMP" "$@"'
            $env:PG_DUMP_PATH = $pgDump
            $killer = Start-StoreKiller $s3
            $err = { Invoke-ScorecardBackup -DatabaseUrl $LargeUrl -Destination $remote -ErrorAction Stop } | Should -Throw -PassThru
            $killer | Wait-Job | Receive-Job | Should -BeTrue -Because 'the store must die while the archive is being streamed'

            $err.FullyQualifiedErrorId | Should -BeLike 'OffsiteNotReachable,*'
            $err.CategoryInfo.Category | Should -Be 'ConnectionError'
            # Checked as soon as the cmdlet returns: a pg_dump still writing into a pipe nobody reads would hang there.
            Join-Path (Split-Path $pgDump) 'pid' | Should -Exist
            $dumpPid = [int](Get-Content (Join-Path (Split-Path $pgDump) 'pid'))
            $state = Get-Content "/proc/$dumpPid/stat" -ErrorAction SilentlyContinue
            ($state -and ($state -split ' ')[2] -ne 'Z') | Should -BeFalse -Because 'pg_dump must not outlive the failed upload'
            Get-StateLeftover $remote | Should -BeNullOrEmpty

            $s3 = Restart-PrivateS3 $s3
            Get-StoredKey $remote $s3.Endpoint | Should -BeNullOrEmpty
        } finally { Stop-PrivateS3 $s3 }
    }
}

Describe 'Offsite copy to a store that refuses the credentials or has no such bucket' {
    BeforeEach {
        $script:Secret = 'S3-Secret-' + [guid]::NewGuid().ToString('N')
    }
    AfterEach {
        Clear-SettingEnvironment -Names @((Get-ScorecardConfig).Name) | Out-Null
    }

    It 'fails the copy with OffsiteCopyFailed naming OffsiteAuthenticationFailed for an unknown access key id, and never shows the secret' {
        $remote = Set-TestS3Environment -AccessKeyId 'NO-SUCH-KEY-ID'
        $env:AWS_SECRET_ACCESS_KEY = $Secret
        $to = Set-SmtpEnvironment
        $destination = New-Destination
        $output = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination -Notify -Verbose -ErrorVariable failures -ErrorAction SilentlyContinue *>&1 | Out-String -Width 400
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'OffsiteCopyFailed,*'
        $failures[0].Exception.InnerException.ErrorId | Should -Be 'OffsiteAuthenticationFailed'
        $failures[0].Exception.InnerException.Category | Should -Be 'AuthenticationError'
        $failures[0].Exception.Message | Should -Match 'AWS_ACCESS_KEY_ID'
        $message = Get-DeliveredMessage -To $to -WaitSeconds 10
        $message.Text | Should -Match 'OffsiteAuthenticationFailed'
        $everything = $output, ($failures | Format-List * -Force | Out-String -Width 400), $failures[0].Exception.ToString(),
            (Get-Content -Raw (Join-Path $destination 'backup.log')), $message.Raw, (Get-Content -Raw (Get-ChildItem -Recurse (Join-Path $destination 'backup-*') -Filter '*.json'))
        $everything -join "`n" | Should -Not -Match $Secret
        Get-StoredKey $remote | Should -BeNullOrEmpty
    }

    It 'fails the copy with OffsiteCopyFailed naming OffsiteBucketNotFound for a bucket the store does not have' {
        Set-TestS3Environment -Bucket 'no-such-bucket' | Out-Null
        $backup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination (New-Destination) -ErrorVariable failures -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $backup.Status | Should -Be 'Succeeded'
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'OffsiteCopyFailed,*'
        $failures[0].Exception.InnerException.ErrorId | Should -Be 'OffsiteBucketNotFound'
        $failures[0].Exception.InnerException.Category | Should -Be 'ObjectNotFound'
        $failures[0].Exception.Message | Should -Match "The bucket 'no-such-bucket' does not exist"
    }
}

Describe 'Offsite backup streamed to a store that is down or refuses it' {
    AfterEach {
        Clear-SettingEnvironment -Names @((Get-ScorecardConfig).Name) | Out-Null
    }

    It 'fails with OffsiteNotReachable when the store is down, stores nothing and leaves nothing in the state folder' {
        $s3 = Start-PrivateS3
        try {
            $remote = (Set-TestS3Environment -Endpoint $s3.Endpoint -Bucket $s3.Bucket) + '/direct'
            Stop-Store $s3
            $err = { Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $remote -ErrorAction Stop } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'OffsiteNotReachable,*'
            $err.CategoryInfo.Category | Should -Be 'ConnectionError'
            Get-StateLeftover $remote | Should -BeNullOrEmpty
            $s3 = Restart-PrivateS3 $s3
            Get-StoredKey $remote $s3.Endpoint | Should -BeNullOrEmpty
        } finally { Stop-PrivateS3 $s3 }
    }

    It 'fails with <Id> (<Category>) for <Fault>, stores nothing and never shows the secret' -ForEach @(
        @{ Fault = 'an unknown access key id'; Id = 'OffsiteAuthenticationFailed'; Category = 'AuthenticationError'; KeyId = 'NO-SUCH-KEY-ID'; Bucket = $env:SCORECARD_TEST_S3_BUCKET }
        @{ Fault = 'a missing bucket'; Id = 'OffsiteBucketNotFound'; Category = 'ObjectNotFound'; KeyId = 'S3RVER'; Bucket = 'no-such-bucket' }
    ) {
        $remote = (Set-TestS3Environment -AccessKeyId $KeyId -Bucket $Bucket) + '/direct'
        # s3rver takes any secret for the key id it knows (see the top of this file).
        $secret = 'S3-Secret-' + [guid]::NewGuid().ToString('N')
        $env:AWS_SECRET_ACCESS_KEY = $secret
        $err = { Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $remote -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $err.CategoryInfo.Category | Should -Be $Category
        ($err | Format-List * -Force | Out-String -Width 400) + $err.Exception.ToString() | Should -Not -Match $secret
        Get-StateLeftover $remote | Should -BeNullOrEmpty
        if ($Bucket -ne 'no-such-bucket') { Get-StoredKey $remote | Should -BeNullOrEmpty }
    }
}

# Issue 19: a store that accepts the connection and never answers (s3rver under SIGSTOP) made the nightly run hang for
# 20 minutes and more after its local backup, holding the lock, with no OFFSITE line and no mail; remote-only mode and the
# watchdog hung as long. Every store request is bounded by BACKUP_S3_TIMEOUT_SECONDS (3 s here), the whole copy by a
# budget derived from it (four time-outs and the archive's bytes at 1 MiB/s).
Describe 'Offsite store that accepts connections and never answers' -Skip:(-not $IsLinux) {
    BeforeAll {
        $script:S3 = Start-PrivateS3
        $script:Remote = Set-TestS3Environment -Endpoint $S3.Endpoint -Bucket $S3.Bucket
        $env:BACKUP_S3_TIMEOUT_SECONDS = '3'
        # What the tests allow a run against the silent store: the budget, the failure mail, and room for a busy machine.
        $script:Bound = [TimeSpan]::FromSeconds(60)
    }
    AfterEach {
        # Never leave the store stopped: the next test, and the file's AfterAll, need it to answer.
        Resume-PrivateS3 $S3
    }
    AfterAll {
        Stop-PrivateS3 $S3
        Clear-SettingEnvironment -Names @((Get-ScorecardConfig).Name) | Out-Null
    }

    It 'ends the nightly copy within the bound with OffsiteCopyFailed (OffsiteNotReachable), OFFSITE and FAILED lines, the mail, exit 1 and the lock released' {
        $to = Set-SmtpEnvironment
        $destination = New-Destination
        Suspend-PrivateS3 $S3
        $took = Measure-Command {
            $script:Hung = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination -Notify -ErrorVariable failures -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        }
        $took | Should -BeLessThan $Bound
        $Hung.Status | Should -Be 'Succeeded'
        $Hung.OffsiteVerified | Should -BeFalse
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'OffsiteCopyFailed,*'
        $failures[0].Exception.InnerException.ErrorId | Should -Be 'OffsiteNotReachable'
        $failures[0].Exception.Message | Should -Match 'BACKUP_S3_TIMEOUT_SECONDS'
        $log = Get-Content (Join-Path $destination 'backup.log')
        $log | Where-Object { $_ -match "OFFSITE\s+$($Hung.Name) was not copied to .*OffsiteNotReachable" } | Should -HaveCount 1
        $log | Where-Object { $_ -match 'FAILED\s+OffsiteCopyFailed: ' } | Should -HaveCount 1
        $message = Get-DeliveredMessage -To $to -WaitSeconds 10
        $message | Should -HaveCount 1
        $message.Text | Should -Match 'The local backup is fine; its offsite copy failed'
        $message.Text | Should -Match 'OffsiteNotReachable'

        # A second run right after, in a pwsh of its own as cron runs it: the lock is free, its local backup is made,
        # its copy fails the same way, within the bound, and it exits 1.
        $took = Measure-Command { $script:Child = Invoke-BackupProcess $Url $destination }
        $took | Should -BeLessThan $Bound
        $Child.ExitCode | Should -Be 1
        $Child.Errors | Should -Not -Match 'BackupAlreadyRunning'
        $Child.Errors | Should -Match 'FullyQualifiedErrorId : OffsiteCopyFailed,'
        $Child.Backup.Status | Should -Be 'Succeeded'
        $Child.Backup.Path | Should -Exist

        Resume-PrivateS3 $S3
        Get-StoredKey $Remote $S3.Endpoint | Where-Object { $_ -match '/manifest\.json$' } | Should -BeNullOrEmpty
    }

    It 'fails a backup streamed to the silent store within the bound with OffsiteNotReachable, and leaves nothing listed or in the state folder' {
        $remote = "$Remote/direct"
        Suspend-PrivateS3 $S3
        $took = Measure-Command {
            $script:Err = { Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $remote -ErrorAction Stop } | Should -Throw -PassThru
        }
        $took | Should -BeLessThan $Bound
        $Err.FullyQualifiedErrorId | Should -BeLike 'OffsiteNotReachable,*'
        $Err.CategoryInfo.Category | Should -Be 'ConnectionError'
        Get-StateLeftover $remote | Should -BeNullOrEmpty

        # The store may still take a request it held (the archive's PUT) once it answers again: never a manifest, so nothing is listed.
        Resume-PrivateS3 $S3
        Get-StoredKey $remote $S3.Endpoint | Where-Object { $_ -match '/manifest\.json$' } | Should -BeNullOrEmpty
        Get-ScorecardBackup -Destination $remote | Should -BeNullOrEmpty
    }

    It 'has the watchdog report the store as not reachable within the bound and mail <Case>' -ForEach @(
        @{ Case = 'that the local backups are fine'; AgeHours = 0; Subject = 'Offsite store not reachable, local backups fine'; Text = 'The local backups are fine' }
        @{ Case = 'its alert about stale local backups'; AgeHours = 40; Subject = 'No successful backup since'; Text = 'BackupStale' }
    ) {
        $destination = New-Destination
        $backup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination
        $backup.OffsiteVerified | Should -BeTrue
        if ($AgeHours) {
            $then = [DateTime]::UtcNow.AddHours(-$AgeHours).ToString('o')
            Set-ManifestField $backup.Path ({ param($m) $m.startedAt = $then; $m.completedAt = $then }.GetNewClosure())
        }
        $to = Set-SmtpEnvironment
        Suspend-PrivateS3 $S3
        $took = Measure-Command {
            $script:Result = Test-ScorecardBackup -Latest -Destination $destination -MaxAge 26 -Notify -ErrorAction SilentlyContinue -ErrorVariable failure
        }
        $took | Should -BeLessThan $Bound
        $offsite = $Result.Checks | Where-Object Check -eq 'OffsiteFreshness'
        $offsite.Passed | Should -BeFalse
        $offsite.Detail | Should -Match '^OffsiteNotReachable: '
        ($Result.Checks | Where-Object Check -eq 'Freshness').Passed | Should -Be (-not $AgeHours)
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'BackupTestFailed*'
        $message = Get-DeliveredMessage -To $to -WaitSeconds 10
        $message | Should -HaveCount 1
        $message.Subject | Should -Match ([regex]::Escape($Subject))
        $message.Text | Should -Match $Text
        $message.Text | Should -Match 'OffsiteNotReachable'
    }
}

# Issue 19: an object whose bytes were changed on the store's disk, so that the ETag the store sends is stale, ended in
# "The run failed unexpectedly (AmazonClientException): Expected hash not equal to calculated hash", and a pipeline of
# tests stopped there instead of going on to the older copies.
Describe 'Offsite copy whose bytes were changed on the store behind its ETag' {
    BeforeAll {
        $script:S3 = Start-PrivateS3
        $script:Remote = Set-TestS3Environment -Endpoint $S3.Endpoint -Bucket $S3.Bucket
        $destination = New-Destination
        $script:Older = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination
        $script:Changed = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $destination
        # s3rver keeps each object in <key>._S3rver_object and its MD5 (the ETag) beside it: flip a byte in the middle.
        $bucket, $prefix = ($Remote -replace '^s3://', '').Split('/', 2)
        $object = Join-Path $S3.Folder 'data' $bucket $prefix $Changed.Name "$(Split-Path -Leaf $Changed.DumpFile)._S3rver_object"
        $object | Should -Exist
        $bytes = [IO.File]::ReadAllBytes($object)
        $bytes[[int]($bytes.Length / 2)] = $bytes[[int]($bytes.Length / 2)] -bxor 0xFF
        [IO.File]::WriteAllBytes($object, $bytes)
    }
    AfterAll {
        Stop-PrivateS3 $S3
        Clear-SettingEnvironment -Names @((Get-ScorecardConfig).Name) | Out-Null
    }

    It 'fails that copy''s test as ArchiveTampered and goes on to test the next one' {
        $results = @(Get-ScorecardBackup -Offsite | Test-ScorecardBackup -ErrorAction SilentlyContinue -ErrorVariable failures)
        $results.Name | Should -Be @($Changed.Name, $Older.Name)
        $results[0].Passed | Should -BeFalse
        # ArchiveTampered's words: the stored archive was changed or cut short after it was written.
        ($results[0].Checks | Where-Object Check -eq 'ArchiveReadable').Detail | Should -Match 'was changed or cut short after it was written'
        $results[1].Passed | Should -BeTrue -Because ($results[1].Checks | Out-String)
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'BackupTestFailed,*'
        $failures[0].Exception.Message | Should -Not -Match 'unexpectedly'
    }

    It 'refuses to restore it with ArchiveTampered and creates no database' {
        $target = 'offs_' + [guid]::NewGuid().ToString('N').Substring(0, 10)
        { Restore-ScorecardBackup -Path "$Remote/$($Changed.Name)" -TargetDatabase $target -DatabaseUrl $Url -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'ArchiveTampered*'
        Test-DatabaseExists $target | Should -BeFalse
    }
}
