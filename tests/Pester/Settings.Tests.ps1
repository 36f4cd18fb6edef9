BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:SettingNames = (Get-ScorecardConfig).Name + 'SCORECARD_ENV_FILE'
    # The suite must not depend on what the machine's environment happens to hold.
    $script:SavedEnvironment = Clear-SettingEnvironment -Names $SettingNames
    $script:Folder = New-TestFolder
    Push-Location $Folder

    function Get-Setting([string] $Name, [hashtable] $Splat = @{}) { Get-ScorecardConfig @Splat | Where-Object Name -eq $Name }
}

AfterAll {
    Pop-Location
    Remove-Item -Recurse -Force $Folder
    Restore-SettingEnvironment $SavedEnvironment
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
