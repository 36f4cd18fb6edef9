BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    Import-TestAssemblies
    $script:SettingNames = [SalesScorecard.Settings.SettingNames]::All.Name + 'SCORECARD_ENV_FILE'
    # The suite must not depend on what the machine's environment happens to hold.
    $script:SavedEnvironment = Clear-SettingEnvironment -Names $SettingNames
    $script:Folder = New-TestFolder
    Push-Location $Folder

    function Parse([string] $Text) { [SalesScorecard.Settings.DotEnvFile]::Parse($Text, 'test.env') }
    function Get-Setting([string] $Name, [hashtable] $Splat = @{}) { Get-ScorecardConfig @Splat | Where-Object Name -eq $Name }
}

AfterAll {
    Pop-Location
    Remove-Item -Recurse -Force $Folder
    Restore-SettingEnvironment $SavedEnvironment
}

Describe '.env parsing, as the Node app''s dotenv does it' {
    It 'skips comments and blank lines' {
        $file = Parse "# a comment`n`n   # indented comment`nA=1`n"
        $file.Values.Count | Should -Be 1
        $file.Values['A'] | Should -Be '1'
        $file.Warnings | Should -BeNullOrEmpty
    }

    It 'accepts the export prefix and spaces around =' {
        $file = Parse "export SMTP_HOST=smtp.example.org`nSMTP_PORT = 2525"
        $file.Values['SMTP_HOST'] | Should -Be 'smtp.example.org'
        $file.Values['SMTP_PORT'] | Should -Be '2525'
    }

    It 'keeps # inside quotes and ends an unquoted value at #' {
        $file = Parse "A=`"pa#ss`" # comment`nB='x # y'`nC=plain # comment`nD=abc#def"
        $file.Values['A'] | Should -Be 'pa#ss'
        $file.Values['B'] | Should -Be 'x # y'
        $file.Values['C'] | Should -Be 'plain'
        $file.Values['D'] | Should -Be 'abc'
    }

    It 'reads single quotes literally and expands \n only in double quotes' {
        $file = Parse "A='a\nb'`nB=`"a\nb`"`nC=a\nb"
        $file.Values['A'] | Should -Be 'a\nb'
        $file.Values['B'] | Should -Be "a`nb"
        $file.Values['C'] | Should -Be 'a\nb'
    }

    It 'reads a quoted value over several lines' {
        $file = Parse "KEY=`"-----BEGIN-----`nline two`n-----END-----`"`nNEXT=1"
        $file.Values['KEY'] | Should -Be "-----BEGIN-----`nline two`n-----END-----"
        $file.Values['NEXT'] | Should -Be '1'
    }

    It 'takes KEY= as an empty value, and the last duplicate' {
        $file = Parse "EMPTY=`nDUP=first`nDUP=second"
        $file.Values['EMPTY'] | Should -Be ''
        $file.Values['DUP'] | Should -Be 'second'
    }

    It 'handles CRLF line ends and a byte order mark' {
        $file = Parse "$([char]0xFEFF)A=1`r`nB=`"two`"`r`n"
        $file.Values['A'] | Should -Be '1'
        $file.Values['B'] | Should -Be 'two'
    }

    It 'keeps the Bulgarian setup note''s SMTP_FROM whole' {
        $file = Parse 'SMTP_FROM=Sales Scorecard <noreply@instorm.bg>'
        $file.Values['SMTP_FROM'] | Should -Be 'Sales Scorecard <noreply@instorm.bg>'
    }

    It 'warns about a malformed line with file and line number, never its value' {
        $file = Parse "GOOD=1`nthis line has no equals sign SECRETVALUE`nBAD=`"unterminated SECRETVALUE`nALSO=`"x`"trailing SECRETVALUE"
        $file.Values['GOOD'] | Should -Be '1'
        $file.Warnings.Line | Should -Be @(2, 3, 4)
        $all = ($file.Warnings | ForEach-Object ToString) -join "`n"
        $all | Should -Match 'test.env:2'
        $all | Should -Not -Match 'SECRETVALUE'
    }

    It 'warns about text after a closing quote' {
        $file = Parse "A=`"x`"trailing SECRET`nB=2"
        $file.Warnings.Line | Should -Be @(1)
        $file.Values.ContainsKey('A') | Should -BeFalse
        $file.Values['B'] | Should -Be '2'
    }
}

Describe 'Settings precedence: parameter > environment > .env file > default' {
    BeforeEach {
        Set-Content -Path (Join-Path $Folder '.env') -Value @(
            'BACKUP_DIR=/from/file'
            'SMTP_HOST=file.example.org'
            'SMTP_PASS=file-secret-value'
            'SMTP_USER='
        )
    }
    AfterEach {
        foreach ($name in $SettingNames) { [Environment]::SetEnvironmentVariable($name, $null) }
        Remove-Item (Join-Path $Folder '*.env'), (Join-Path $Folder '.env') -ErrorAction SilentlyContinue
    }

    It 'reads ./.env from the current location' {
        $setting = Get-Setting 'BACKUP_DIR'
        $setting.Value | Should -Be '/from/file'
        $setting.Source | Should -Be "EnvFile:$(Join-Path $Folder '.env')"
    }

    It 'lets the environment override the .env file' {
        $env:BACKUP_DIR = '/from/environment'
        $setting = Get-Setting 'BACKUP_DIR'
        $setting.Value | Should -Be '/from/environment'
        $setting.Source | Should -Be 'Environment'
    }

    It 'lets a parameter override the environment' {
        $env:DATABASE_URL = 'postgresql://env:envpw@env.example/envdb'
        $info = Test-ScorecardDatabase -DatabaseUrl (Get-TestDatabaseUrl $env:SCORECARD_TEST_FIXTURE_DB)
        $info.Database | Should -Be $env:SCORECARD_TEST_FIXTURE_DB
    }

    It 'falls back to the default, and treats an empty value as not set' {
        (Get-Setting 'SMTP_PORT').Source | Should -Be 'Default'
        (Get-Setting 'SMTP_PORT').Value | Should -Be '587'
        $user = Get-Setting 'SMTP_USER'
        $user.Source | Should -Be 'Default'
        $user.Value | Should -BeNullOrEmpty
    }

    It 'prefers -EnvFile, then SCORECARD_ENV_FILE, then ./.env' {
        Set-Content -Path (Join-Path $Folder 'named.env') -Value 'BACKUP_DIR=/from/named'
        Set-Content -Path (Join-Path $Folder 'explicit.env') -Value 'BACKUP_DIR=/from/explicit'
        $env:SCORECARD_ENV_FILE = Join-Path $Folder 'named.env'
        (Get-Setting 'BACKUP_DIR').Value | Should -Be '/from/named'
        (Get-Setting 'BACKUP_DIR' @{ EnvFile = 'explicit.env' }).Value | Should -Be '/from/explicit'
    }

    It 'fails with EnvFileNotFound when a named file is missing' {
        { Get-ScorecardConfig -EnvFile (Join-Path $Folder 'missing.env') -ErrorAction Stop } |
            Should -Throw -ErrorId 'EnvFileNotFound,SalesScorecard.PowerShell.GetScorecardConfigCommand'
        $env:SCORECARD_ENV_FILE = Join-Path $Folder 'also-missing.env'
        $err = { Get-ScorecardConfig -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'EnvFileNotFound,*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -Match 'SCORECARD_ENV_FILE'
    }

    It 'writes a warning for a malformed line, naming file and line but not the value' {
        Add-Content -Path (Join-Path $Folder '.env') -Value 'garbage line holding hunter2-secret'
        $null = Get-ScorecardConfig -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings.Count | Should -Be 1
        "$($warnings[0])" | Should -Match '\.env:5'
        "$($warnings[0])" | Should -Not -Match 'hunter2'
    }

    It 'never shows SMTP_PASS or the database password' {
        $env:DATABASE_URL = 'postgresql://app:Sup3r%23Secret%40@db.example:5433/scorecard'
        $output = Invoke-Capturing { Get-ScorecardConfig -Verbose | Format-List * }
        $output | Should -Not -Match 'file-secret-value'
        $output | Should -Not -Match 'Sup3r'
        (Get-Setting 'SMTP_PASS').Value | Should -Be '********'
        (Get-Setting 'DATABASE_URL').Value | Should -Be 'postgresql://app:********@db.example:5433/scorecard'
    }

    It 'masks the password of a keyword-string DATABASE_URL and an unparseable one whole' {
        $env:DATABASE_URL = 'Host=db.example;Database=scorecard;Username=app;Password=Kw0rdSecret'
        (Get-Setting 'DATABASE_URL').Value | Should -Not -Match 'Kw0rdSecret'
        (Get-Setting 'DATABASE_URL').Value | Should -Match 'Host=db.example'
        $env:DATABASE_URL = 'mysql://app:Unparseable99@db.example/scorecard'
        (Get-Setting 'DATABASE_URL').Value | Should -Be '********'
    }
}

Describe 'DATABASE_URL' {
    BeforeAll {
        function Parse-Url([string] $Url) { [SalesScorecard.Settings.DatabaseUrl]::Parse($Url) }
    }

    It 'reads user, percent-encoded password, host, port and database' {
        $url = Parse-Url 'postgresql://scorecard%20app:p%40ss%2Fw%3Ard%25@db.internal:6543/sales%2Dscorecard'
        $url.Builder.Username | Should -Be 'scorecard app'
        $url.Builder.Password | Should -Be 'p@ss/w:rd%'
        $url.Host | Should -Be 'db.internal'
        $url.Port | Should -Be 6543
        $url.Database | Should -Be 'sales-scorecard'
    }

    It 'takes postgres:// too, with port 5432 by default' {
        $url = Parse-Url 'postgres://u:p@localhost/app'
        $url.Port | Should -Be 5432
        $url.Builder.SslMode | Should -Be 'Prefer'
    }

    It 'tolerates an unencoded @ in the password' {
        (Parse-Url 'postgresql://u:pa@ss@localhost/app').Builder.Password | Should -Be 'pa@ss'
    }

    It 'reads an IPv6 host' {
        $url = Parse-Url 'postgresql://u:p@[::1]:5433/app'
        $url.Host | Should -Be '::1'
        $url.Port | Should -Be 5433
    }

    It 'maps sslmode=<Mode> to Npgsql''s <Expected>' -ForEach @(
        @{ Mode = 'disable'; Expected = 'Disable' }, @{ Mode = 'allow'; Expected = 'Allow' },
        @{ Mode = 'prefer'; Expected = 'Prefer' }, @{ Mode = 'require'; Expected = 'Require' },
        @{ Mode = 'verify-ca'; Expected = 'VerifyCA' }, @{ Mode = 'verify-full'; Expected = 'VerifyFull' }
    ) {
        (Parse-Url "postgresql://u:p@db.example/app?sslmode=$Mode").Builder.SslMode | Should -Be $Expected
    }

    It 'requires TLS for a remote host when sslmode is not given, as the Node app does' {
        (Parse-Url 'postgresql://u:p@db.example.com/app').Builder.SslMode | Should -Be 'Require'
        (Parse-Url 'postgresql://u:p@127.0.0.1/app').Builder.SslMode | Should -Be 'Prefer'
    }

    It 'reads connect_timeout and ignores Prisma''s schema key' {
        $url = Parse-Url 'postgresql://u:p@localhost/app?schema=public&connect_timeout=7'
        $url.Builder.Timeout | Should -Be 7
    }

    It 'accepts an Npgsql keyword string' {
        $url = Parse-Url 'Host=db.example;Port=5433;Database=app;Username=u;Password=p'
        $url.Host | Should -Be 'db.example'
        $url.Database | Should -Be 'app'
    }

    It 'rejects <Why> with InvalidDatabaseUrl and no password in the message' -ForEach @(
        @{ Why = 'another scheme'; Url = 'mysql://u:TopSecret1@db/app' }
        @{ Why = 'a bad port'; Url = 'postgresql://u:TopSecret1@db:99999/app' }
        @{ Why = 'a missing database'; Url = 'postgresql://u:TopSecret1@db:5432' }
        @{ Why = 'a missing host'; Url = 'postgresql://u:TopSecret1@:5432/app' }
        @{ Why = 'a broken escape'; Url = 'postgresql://u:TopSecret1%zz@db/app' }
        @{ Why = 'an unknown sslmode'; Url = 'postgresql://u:TopSecret1@db/app?sslmode=sometimes' }
        @{ Why = 'an unknown query key'; Url = 'postgresql://u:TopSecret1@db/app?pool=yes' }
        @{ Why = 'plain words'; Url = 'TopSecret1' }
    ) {
        $err = { Test-ScorecardDatabase -DatabaseUrl $Url -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidDatabaseUrl,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Not -Match 'TopSecret1'
    }

    It 'fails with DatabaseUrlMissing when nothing configures a database' {
        $err = { Test-ScorecardDatabase -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'DatabaseUrlMissing,*'
        $err.Exception.Message | Should -Match 'DATABASE_URL'
    }
}
