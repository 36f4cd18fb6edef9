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

Describe 'Users in pipelines, files and the terminal' {
    BeforeAll {
        $script:Some = (Invoke-TestSql -Database $Database -Sql "SELECT id, email FROM users WHERE ""isActive"" AND ""companyId"" = 'company_metro' ORDER BY id LIMIT 3 OFFSET 30")
    }

    It 'takes an email or an id piped as a plain string' {
        ($Some[0].email | Get-ScorecardUser).Id | Should -Be $Some[0].id
        $Some[1].email | Disable-ScorecardUser
        (Get-UserRow $Some[1].id).isActive | Should -BeFalse
        ($Some[1].id | Enable-ScorecardUser -PassThru).IsActive | Should -BeTrue
        ($Some[2].id | Set-ScorecardUser -DisplayName 'Piped By Value' -PassThru).DisplayName | Should -Be 'Piped By Value'
    }

    It 'takes a piped record without an id by its Email, and refuses one without either, never quoting its values' {
        $csv = Join-Path $Root 'emails.csv'
        [pscustomobject]@{ Email = $Some[1].email; Note = 'leaving' } | Export-Csv $csv -NoTypeInformation
        Import-Csv $csv | Disable-ScorecardUser -ErrorAction Stop
        (Get-UserRow $Some[1].id).isActive | Should -BeFalse
        Enable-ScorecardUser -Identity $Some[1].id
        $err = { [pscustomobject]@{ Name = 'Someone'; Password = 'Hunter2Secret' } | Disable-ScorecardUser -ErrorAction Stop } | Should -Throw -PassThru
        $err.Exception.Message | Should -Match 'Name, Password'
        $err.Exception.Message | Should -Not -Match 'Hunter2Secret'
    }

    It 'scopes Set-ScorecardUser to a -CompanyId with spaces around it, as New-ScorecardUser takes it' {
        (Set-ScorecardUser -Identity $Some[0].id -CompanyId ' company_metro ' -DisplayName 'Trimmed Company' -PassThru -ErrorAction Stop).DisplayName |
            Should -Be 'Trimmed Company'
    }

    It 'saves a piped user whose stored role the module would refuse, leaving the role as the app stored it' {
        Invoke-TestSql -Database $Database -Sql "UPDATE users SET role = 'MANAGER' WHERE id = '$($Some[0].id)'" | Out-Null
        $saved = Get-ScorecardUser -Identity $Some[0].id | Set-ScorecardUser -DisplayName 'Legacy Role Kept' -PassThru -ErrorAction Stop
        $saved.DisplayName | Should -Be 'Legacy Role Kept'
        (Get-UserRow $Some[0].id).role | Should -Be 'MANAGER'
        { Set-ScorecardUser -Identity $Some[0].id -Role 'MANAGER2' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidRole,*'
    }

    It 'round-trips through Export-Csv and ConvertTo-Json: readable cells, ISO 8601 times, nothing changed on the way back' {
        $csv = Join-Path $Root 'roundtrip.csv'
        $users = Get-ScorecardUser -CompanyId company_instorm
        $users | Export-Csv -Path $csv -NoTypeInformation
        (Get-Content $csv -Raw) | Should -Not -Match 'System\.Collections|OrderedDictionary|System\.Security'
        $before = (Invoke-TestSql -Database $Database -Sql "SELECT md5(string_agg(u::text, '|' ORDER BY id)) AS d FROM users u").d
        $back = Import-Csv $csv | Set-ScorecardUser -PassThru -ErrorAction Stop
        @($back).Count | Should -Be @($users).Count
        (Invoke-TestSql -Database $Database -Sql "SELECT md5(string_agg(u::text, '|' ORDER BY id)) AS d FROM users u").d | Should -Be $before
        $json = $users[0] | ConvertTo-Json | ConvertFrom-Json -DateKind String
        $json.CreatedAt | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d'
        $json.Role | Should -Be $users[0].Role
    }

    It 'shows control characters and ANSI escapes in names escaped, at 80 and at 120 columns, and keeps the real value' {
        $hostile = "Evil`e[31mRed`e]0;owned`a`u{202E}txt"
        $user = Set-ScorecardUser -Identity $Some[2].id -DisplayName $hostile -PassThru
        $user.DisplayName | Should -Be $hostile
        foreach ($text in ($user | Format-Table | Out-String -Width 120), ($user | Format-List | Out-String -Width 120)) {
            $text | Should -Not -Match '[\x00-\x08\x0B-\x1F\x7F\u202E]' -Because 'nothing the app stored may reach the terminal as a control'
            $text | Should -Match ([regex]::Escape('Evil\u001B[31mRed'))
        }
    }

    It 'fits Email, DisplayName, Role and Active in 80 columns, adds CompanyId and Id at 120, and lists the whole Id' {
        $users = Get-ScorecardUser -CompanyId company_metro | Select-Object -First 5
        $narrow = ($users | Out-String -Width 80) -split "`r?`n" | Where-Object { $_ }
        $narrow[0] | Should -Match '^Email\s+DisplayName\s+Role\s+Active\s*$'
        ($narrow | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual 80
        $wide = ($users | Out-String -Width 120) -split "`r?`n" | Where-Object { $_ }
        $wide[0] | Should -Match '^Email\s+DisplayName\s+Role\s+Active\s+CompanyId\s+Id\s*$'
        ($wide | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual 120
        ($users[0] | Format-List | Out-String -Width 80) | Should -Match ([regex]::Escape($users[0].Id))
    }
}
