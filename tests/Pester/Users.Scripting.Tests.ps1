# The user cmdlets as admins script them: CSV files, pipelines, -WhatIf, two shells at once.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    Import-Module (Join-Path $PSScriptRoot '../../build/TestServices.psm1') -Function Get-PwshCommand -Force
    $script:Database = New-TestDatabase
    $script:Url = Get-TestDatabaseUrl $Database
    $script:SavedUrl = $env:DATABASE_URL
    $env:DATABASE_URL = $Url
    $script:Root = New-TestFolder
    function Get-UserRow([string] $Id) { Invoke-TestSql -Database $Database -Sql "SELECT * FROM users WHERE id = '$Id'" }
    function Get-UserByEmail([string] $Email) { Invoke-TestSql -Database $Database -Sql "SELECT * FROM users WHERE lower(email) = lower('$Email')" }
}

AfterAll {
    $env:DATABASE_URL = $SavedUrl
    Remove-TestDatabase $Database
    Remove-Item -Recurse -Force $Root -ErrorAction SilentlyContinue
}

Describe 'A Password column from Import-Csv' {
    It 'is the password New-ScorecardUser stores, not a generated one' {
        $csv = Join-Path $Root 'new-users.csv'
        [pscustomobject]@{ Email = 'csv.new@metro.example'; DisplayName = 'Csv New'; Role = 'SALESPERSON'; CompanyId = 'company_metro'; Password = 'Csv-Passw0rd-One' } |
            Export-Csv -Path $csv -NoTypeInformation
        $user = Import-Csv $csv | New-ScorecardUser
        $user.InitialPassword | Should -BeNullOrEmpty -Because 'the password was given, so none was generated'
        Test-BcryptPassword 'Csv-Passw0rd-One' (Get-UserRow $user.Id).password | Should -BeTrue
    }

    It 'is the password Set-ScorecardUser stores, and an empty cell leaves the password as it is' {
        $ids = (Invoke-TestSql -Database $Database -Sql "SELECT id FROM users WHERE ""companyId"" = 'company_metro' ORDER BY id LIMIT 2").id
        $before = (Get-UserRow $ids[1]).password
        $csv = Join-Path $Root 'passwords.csv'
        @(
            [pscustomobject]@{ Id = $ids[0]; Password = 'Csv-Passw0rd-Two' }
            [pscustomobject]@{ Id = $ids[1]; Password = '' }
        ) | Export-Csv -Path $csv -NoTypeInformation
        $saved = Import-Csv $csv | Set-ScorecardUser -CompanyId company_metro -PassThru -Verbose 4>&1
        ($saved | Out-String) | Should -Not -Match 'Csv-Passw0rd-Two' -Because 'the plain text is never shown'
        Test-BcryptPassword 'Csv-Passw0rd-Two' (Get-UserRow $ids[0]).password | Should -BeTrue
        (Get-UserRow $ids[1]).password | Should -Be $before
    }
}

Describe 'An explicit -EnvFile against a DATABASE_URL left in the shell' {
    BeforeAll {
        $script:Other = New-TestDatabase
        $script:EnvFile = Join-Path $Root 'prod.env'
        Set-Content -Path $EnvFile -Value "DATABASE_URL=$Url"
        if (-not $IsWindows) { & chmod 0600 $EnvFile }
        $script:Target = (Invoke-TestSql -Database $Database -Sql "SELECT id FROM users WHERE ""isActive"" AND ""companyId"" = 'company_metro' ORDER BY id LIMIT 1 OFFSET 20").id
    }
    AfterAll { Remove-TestDatabase $Other }

    It 'changes the database the file names, warns that it beat the environment, and never shows the value' {
        $env:DATABASE_URL = Get-TestDatabaseUrl $Other
        try {
            $warnings = @()
            Disable-ScorecardUser -Identity $Target -EnvFile $EnvFile -WarningVariable warnings -WarningAction SilentlyContinue
        } finally { $env:DATABASE_URL = $Url }
        (Get-UserRow $Target).isActive | Should -BeFalse
        (Invoke-TestSql -Database $Other -Sql "SELECT ""isActive"" AS a FROM users WHERE id = '$Target'").a | Should -BeTrue -Because 'the shell''s database is not the one named'
        "$warnings" | Should -BeLike '*DATABASE_URL is set in the environment too*-EnvFile*'
        "$warnings" | Should -Not -Match ([regex]::Escape((Get-TestServerPassword)))
        Enable-ScorecardUser -Identity $Target
    }

    It 'names the database and the server in every -WhatIf target of the user cmdlets' {
        $server = ([uri]($Url -replace '^postgresql://', 'http://')).Authority -replace '^.*@', ''
        $where = "in database '$Database' on $server"
        $text = Get-WhatIfText {
            Disable-ScorecardUser -Identity $Target -WhatIf
            Set-ScorecardUser -Identity $Target -DisplayName 'What If' -WhatIf
            New-ScorecardUser -Email 'whatif@metro.example' -DisplayName 'What If' -Role ADMIN -CompanyId company_metro -WhatIf
        }
        $lines = @($text -split "`r?`n" | Where-Object { $_ -like 'What if:*' })
        $lines.Count | Should -Be 3
        foreach ($line in $lines) { $line | Should -BeLike "*$where*" }
    }
}

Describe 'Two shells creating the same emails in different case at once' {
    It 'leaves one user per email, never case-twins, and says EmailAlreadyInUse for the rest' {
        $module = Get-TestModulePath
        $pwsh = Get-PwshCommand
        $barrier = Join-Path $Root 'race-go'
        $jobs = foreach ($case in 'lower', 'upper') {
            $script = "Import-Module '$module'; while (-not (Test-Path '$barrier')) { Start-Sleep -Milliseconds 20 }; " +
                "`$failed = 0; 1..40 | ForEach-Object { `$email = 'race{0}@metro.example' -f `$_; if ('$case' -eq 'upper') { `$email = `$email.ToUpperInvariant() }; " +
                "[pscustomobject]@{ Email = `$email; DisplayName = 'Race'; Role = 'SALESPERSON'; CompanyId = 'company_metro' } } | " +
                "New-ScorecardUser -ErrorVariable +failures -ErrorAction SilentlyContinue | Out-Null; " +
                "`$failures | ForEach-Object { `$_.FullyQualifiedErrorId.Split(',')[0] }"
            $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $script)
            Start-Process -FilePath $pwsh[0] -ArgumentList $arguments -PassThru -RedirectStandardOutput (Join-Path $Root "race-$case.txt") -RedirectStandardError (Join-Path $Root "race-$case.err")
        }
        Start-Sleep -Seconds 3
        New-Item -ItemType File -Path $barrier | Out-Null
        foreach ($job in $jobs) { $job.WaitForExit(120000) | Should -BeTrue }
        $twins = Invoke-TestSql -Database $Database -Sql "SELECT lower(email) AS e, count(*) AS n FROM users WHERE lower(email) LIKE 'race%@metro.example' GROUP BY 1 HAVING count(*) > 1"
        @($twins).Count | Should -Be 0 -Because "two users may not share an email in any case ($(@($twins).e -join ', '))"
        (Invoke-TestSql -Database $Database -Sql "SELECT count(*) AS n FROM users WHERE lower(email) LIKE 'race%@metro.example'").n | Should -Be 40
        $refusals = @('lower', 'upper' | ForEach-Object { Get-Content (Join-Path $Root "race-$_.txt") } | Where-Object { $_ })
        $refusals.Count | Should -Be 40
        $refusals | Sort-Object -Unique | Should -Be 'EmailAlreadyInUse'
    }
}
