# Faults 8, 9 and 13 of the fault suite (issue 9), each reproduced for real: a DATABASE_URL that must not leak its
# password, folders and logs that must be owner-only under umask 000, and .env files the app's dotenv reads oddly.
BeforeDiscovery {
    $script:NoCron = -not $IsLinux -or -not (Get-Command crontab -ErrorAction SilentlyContinue)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../build/TestServices.psm1') -Function Get-PwshCommand -Force
    Import-Module (Get-TestModulePath) -Force
    $script:SettingNames = (Get-ScorecardConfig).Name + 'SCORECARD_ENV_FILE'
    # The suite must not depend on what the machine's environment happens to hold.
    $script:SavedEnvironment = Clear-SettingEnvironment -Names $SettingNames
    $script:Root = New-TestFolder
    $script:Secret = 'Hunter2Secret'

    # A .env file of these lines (text is written as is: no line end is added), owner-only as the README asks.
    function New-EnvFile([string] $Name, [string] $Text) {
        $path = Join-Path $Root $Name
        [IO.File]::WriteAllText($path, $Text)
        & chmod 0600 $path
        $path
    }

    # The lines that point notifications at the harness's smtp4dev.
    function Get-SmtpLines([string] $To) {
        "SMTP_HOST=$env:SCORECARD_TEST_SMTP_HOST"
        "SMTP_PORT=$env:SCORECARD_TEST_SMTP_PORT"
        "SMTP_USER=$env:SCORECARD_TEST_SMTP_USER"
        "SMTP_PASS=$env:SCORECARD_TEST_SMTP_PASS"
        "SMTP_TRUSTED_CERT=$env:SCORECARD_TEST_SMTP_CERT"
        "BACKUP_NOTIFICATION_EMAIL=$To"
    }

    function New-Recipient { "fault-$([guid]::NewGuid().ToString('N').Substring(0, 10))@example.org" }

    function Get-Mode([string] $Path) { (& stat -c '%A' $Path) }
}

AfterAll {
    Remove-Item -Recurse -Force $Root -ErrorAction SilentlyContinue
    Restore-SettingEnvironment $SavedEnvironment
}

Describe 'Fault 8: a DATABASE_URL that does not parse is never echoed' {
    It 'Fault 8: <Why> fails with InvalidDatabaseUrl, and neither output, mail nor backup.log holds the password' -ForEach @(
        @{ Why = 'a keyword string whose password holds :// and a bad port'; Url = 'Host=127.0.0.1;Username=app;Password=Hunter2Secret://x;Port=none' }
        @{ Why = 'a keyword string whose password holds an unquoted ;'; Url = 'Host=127.0.0.1;Username=app;Password=abc;Hunter2Secret=x' }
        @{ Why = 'a URI whose scheme is the password'; Url = 'Hunter2Secret://app@127.0.0.1/scorecard' }
        @{ Why = 'a URI without its host, the password read as the port'; Url = 'postgresql://app:Hunter2Secret/scorecard' }
        @{ Why = 'the password pasted as sslmode'; Url = 'postgresql://app@127.0.0.1/scorecard?sslmode=Hunter2Secret' }
        @{ Why = 'the password pasted as connect_timeout'; Url = 'postgresql://app@127.0.0.1/scorecard?connect_timeout=Hunter2Secret' }
        @{ Why = 'the password pasted as a query key'; Url = 'postgresql://app@127.0.0.1/scorecard?sslmode=disable&Hunter2Secret' }
    ) {
        $to = New-Recipient
        $destination = Join-Path $Root "fault8-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $envFile = New-EnvFile 'fault8.env' ((@("DATABASE_URL='$Url'", "BACKUP_DIR=$destination") + (Get-SmtpLines $to)) -join "`n")

        $err = { Invoke-ScorecardBackup -EnvFile $envFile -Notify -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidDatabaseUrl,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $output = Invoke-Capturing { Invoke-ScorecardBackup -EnvFile $envFile -Notify -Verbose; Get-ScorecardConfig -EnvFile $envFile -Verbose }
        $output | Should -Match 'InvalidDatabaseUrl'
        $output | Should -Not -Match $Secret

        $mail = Wait-Delivered $to
        $mail | Should -Not -BeNullOrEmpty
        $mail[0].Text | Should -Match 'InvalidDatabaseUrl'
        ($mail | ForEach-Object { $_.Subject; $_.Text; $_.Html }) -join "`n" | Should -Not -Match $Secret
        $log = Join-Path $destination 'backup.log'
        if (Test-Path $log) { Get-Content $log -Raw | Should -Not -Match $Secret }
    }

    It 'Fault 8: a keyword string whose password holds :// is read as a keyword string, its password masked' {
        $url = 'Host=127.0.0.1;Port=1;Database=scorecard;Username=app;Password=Hunter2Secret://x'
        $envFile = New-EnvFile 'fault8-keywords.env' "DATABASE_URL='$url'"
        $shown = (Get-ScorecardConfig -EnvFile $envFile | Where-Object Name -eq 'DATABASE_URL').Value
        $shown | Should -Match 'Host=127.0.0.1'
        $shown | Should -Not -Match $Secret
        # Port 1 refuses: the failure is the connection's, not the URL's, and still says nothing of the password.
        $err = { Test-ScorecardDatabase -EnvFile $envFile -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Not -BeLike 'InvalidDatabaseUrl,*'
        Invoke-Capturing { Test-ScorecardDatabase -EnvFile $envFile -Verbose } | Should -Not -Match $Secret
    }
}

Describe 'A setting that does not parse is never quoted (issue 18.5)' {
    It '<Why> fails with InvalidSetting naming <Setting>, and neither output, mail nor backup.log holds the secret' -ForEach @(
        @{ Why = 'keys written into BACKUP_S3_URL'; Setting = 'BACKUP_S3_URL'; Lines = @('BACKUP_S3_URL=s3://AKIAEXAMPLEKEY:Hunter2Secret@scorecard-backups/prod') }
        @{ Why = 'keys written into an s3:// BACKUP_DIR'; Setting = 'BACKUP_DIR'; Lines = @('BACKUP_DIR=s3://AKIAEXAMPLEKEY:Hunter2Secret@scorecard-backups/prod') }
        @{ Why = 'a password pasted as BACKUP_RETENTION_DAYS'; Setting = 'BACKUP_RETENTION_DAYS'; Lines = @('BACKUP_RETENTION_DAYS=Hunter2Secret') }
        @{ Why = 'a password pasted as BACKUP_S3_FORCE_PATH_STYLE'; Setting = 'BACKUP_S3_FORCE_PATH_STYLE'; Lines = @('BACKUP_S3_URL=s3://scorecard-backups/prod', 'BACKUP_S3_FORCE_PATH_STYLE=Hunter2Secret') }
    ) {
        $to = New-Recipient
        $destination = Join-Path $Root "unquoted-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $lines = @("DATABASE_URL=$(Get-TestDatabaseUrl postgres)") + ($Lines -match '^BACKUP_DIR=' ? @() : @("BACKUP_DIR=$destination")) + $Lines + (Get-SmtpLines $to)
        $envFile = New-EnvFile 'unquoted.env' ($lines -join "`n")

        $err = { Invoke-ScorecardBackup -EnvFile $envFile -Notify -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidSetting,*'
        $err.Exception.Message | Should -Match "^$Setting"
        $err.Exception.Message | Should -Not -Match 'AKIAEXAMPLEKEY'
        $output = Invoke-Capturing { Invoke-ScorecardBackup -EnvFile $envFile -Notify -Verbose }
        $output | Should -Match 'InvalidSetting'
        $output | Should -Not -Match "$Secret|AKIAEXAMPLEKEY"
        # Get-ScorecardConfig shows a setting as written, but never keys inside an s3:// address.
        (Get-ScorecardConfig -EnvFile $envFile | Where-Object Name -eq $Setting).Value | Should -Not -Match 'AKIAEXAMPLEKEY'

        $mail = Wait-Delivered $to
        $mail | Should -Not -BeNullOrEmpty
        $mail[0].Text | Should -Match 'InvalidSetting'
        ($mail | ForEach-Object { $_.Subject; $_.Text; $_.Html }) -join "`n" | Should -Not -Match "$Secret|AKIAEXAMPLEKEY"
        $log = Join-Path $destination 'backup.log'
        if (Test-Path $log) { Get-Content $log -Raw | Should -Not -Match "$Secret|AKIAEXAMPLEKEY" }
    }
}

Describe 'Fault 13: .env edge cases are warned about precisely' {
    It 'Fault 13: an unclosed quote is a warning naming file and line, and every later line is still read' {
        $envFile = New-EnvFile 'fault13-quote.env' (@(
                'SMTP_HOST=mail.example.org'
                'SMTP_PASS="Hunter2Secret'
                'SMTP_PORT=2525'
                'SMTP_FROM="Ops <ops@example.org>"'
                'BACKUP_DIR=/srv/after'
            ) -join "`n")
        $settings = Get-ScorecardConfig -EnvFile $envFile -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings.Count | Should -Be 1
        "$($warnings[0])" | Should -BeLike "$envFile`:2: *never closed*"
        "$($warnings[0])" | Should -Not -Match $Secret
        ($settings | Where-Object Name -eq 'SMTP_PORT').Value | Should -Be '2525'
        ($settings | Where-Object Name -eq 'SMTP_FROM').Value | Should -Be 'Ops <ops@example.org>'
        ($settings | Where-Object Name -eq 'BACKUP_DIR').Value | Should -Be '/srv/after'
        ($settings | Where-Object Name -eq 'SMTP_PASS').Source | Should -Be 'Default'
    }

    It 'Fault 13: CR-only line ends are line breaks, not part of the value' {
        $envFile = New-EnvFile 'fault13-cr.env' "SMTP_HOST=mail.example.org`rSMTP_PORT=2525`rSMTP_PASS=Hunter2Secret`rSMTP_FROM=`"Ops`r<ops@example.org>`"`r"
        $output = Invoke-Capturing { Get-ScorecardConfig -EnvFile $envFile -Verbose | Format-List * }
        $output | Should -Not -Match $Secret
        $settings = Get-ScorecardConfig -EnvFile $envFile -WarningVariable warnings
        $warnings | Should -BeNullOrEmpty
        ($settings | Where-Object Name -eq 'SMTP_HOST').Value | Should -Be 'mail.example.org'
        ($settings | Where-Object Name -eq 'SMTP_PORT').Value | Should -Be '2525'
        ($settings | Where-Object Name -eq 'SMTP_PASS').Source | Should -BeLike 'EnvFile:*'
        ($settings | Where-Object Name -eq 'SMTP_FROM').Value | Should -Be "Ops`n<ops@example.org>"
    }

    It 'Fault 13: a folder named by <How> fails with EnvFileIsFolder, "is a folder, not a file"' -ForEach @(
        @{ How = '-EnvFile' }
        @{ How = 'SCORECARD_ENV_FILE' }
    ) {
        $folder = Join-Path $Root 'fault13-folder.env'
        New-Item -ItemType Directory -Path $folder -Force | Out-Null
        try {
            $err = if ($How -eq '-EnvFile') {
                { Get-ScorecardConfig -EnvFile $folder -ErrorAction Stop } | Should -Throw -PassThru
            } else {
                $env:SCORECARD_ENV_FILE = $folder
                { Get-ScorecardConfig -ErrorAction Stop } | Should -Throw -PassThru
            }
        } finally { $env:SCORECARD_ENV_FILE = $null }
        $err.FullyQualifiedErrorId | Should -BeLike 'EnvFileIsFolder,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -BeLike "*'$folder'*$How*is a folder, not a file*"
    }
}

Describe 'Fault 9: what the module creates is owner-only, whatever the umask' -Skip:$IsWindows {
    It 'Fault 9: a backup into new nested folders under umask 000 makes every folder 0700 and every file 0600' {
        $parent = Join-Path $Root 'fault9-a'
        $destination = Join-Path $parent 'b/c'
        $database = New-TestDatabase -Empty
        try {
            $script = "`$env:PG_DUMP_PATH = '$(Join-Path $env:SCORECARD_TEST_PG_BIN 'pg_dump')'; Import-Module '$(Get-TestModulePath)'; " +
                "Invoke-ScorecardBackup -DatabaseUrl '$(Get-TestDatabaseUrl $database)' -Destination '$destination' -ErrorAction Stop | Out-Null"
            $pwsh = Get-PwshCommand
            & bash -c 'umask 000; exec "$@"' umask000 $pwsh -NoProfile -NonInteractive -Command $script
            $LASTEXITCODE | Should -Be 0
        } finally { Remove-TestDatabase $database }
        (Get-ChildItem $destination -Directory -Filter 'backup-*') | Should -Not -BeNullOrEmpty
        foreach ($folder in @($parent, (Join-Path $parent 'b')) + @(Get-ChildItem $parent -Recurse -Directory).FullName) {
            "$folder $(Get-Mode $folder)" | Should -Be "$folder drwx------"
        }
        foreach ($file in (Get-ChildItem $parent -Recurse -File -Force).FullName) {
            "$file $(Get-Mode $file)" | Should -Be "$file -rw-------"
        }
    }
}

Describe 'Fault 9: the scheduled jobs'' logs are owner-only under umask 000' -Skip:$NoCron {
    BeforeAll {
        $script:SavedCrontab = & crontab -l 2>$null
        $script:HadCrontab = $LASTEXITCODE -eq 0
        $script:Database = New-TestDatabase -Empty
    }

    AfterAll {
        if ($HadCrontab) { $SavedCrontab -join "`n" | & crontab - } else { & crontab -r 2>$null }
        Remove-TestDatabase $Database
    }

    It 'Fault 9: cron.log and watchdog.log are created -rw------- when cron runs the lines under umask 000' {
        $destination = Join-Path $Root 'fault9-cron'
        $envFile = New-EnvFile 'fault9-cron.env' (@(
                "DATABASE_URL=$(Get-TestDatabaseUrl $Database)"
                "PG_DUMP_PATH=$(Join-Path $env:SCORECARD_TEST_PG_BIN 'pg_dump')"
            ) -join "`n")
        $entries = Register-ScorecardBackupSchedule -Name Fault9 -EnvFile $envFile -Destination $destination -Force
        foreach ($entry in $entries) {
            Invoke-AsCron $entry.Command -Umask 000 | Should -Be 0
        }
        Get-Mode (Join-Path $destination 'cron.log') | Should -Be '-rw-------'
        Get-Mode (Join-Path $destination 'watchdog.log') | Should -Be '-rw-------'
    }
}
