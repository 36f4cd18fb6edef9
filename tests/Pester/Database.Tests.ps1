BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Database = New-TestDatabase
    $script:Url = Get-TestDatabaseUrl $Database
    $script:Password = Get-TestServerPassword
    $script:SavedUrl = $env:DATABASE_URL
    $env:DATABASE_URL = $null
}

AfterAll {
    Remove-TestDatabase $Database
    $env:DATABASE_URL = $SavedUrl
}

Describe 'Test-ScorecardDatabase against the fixture database' {
    BeforeAll {
        $script:Info = Test-ScorecardDatabase -DatabaseUrl $Url
    }

    It 'names the database, host, port and server version' {
        $Info.pstypenames[0] | Should -Be 'SalesScorecard.DatabaseInfo'
        $Info.Database | Should -Be $Database
        $Info.Host | Should -Be '127.0.0.1'
        $Info.Port | Should -BeGreaterThan 0
        $Info.ServerVersion | Should -Match '^\d+'
    }

    It 'counts every one of the eleven upstream tables exactly' {
        $expected = [ordered]@{}
        foreach ($row in Invoke-TestSql -Database $Database -Sql @'
SELECT 'public.' || t AS name, (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM public.%I', t), false, true, '')))[1]::text::bigint AS rows
FROM unnest(ARRAY['audit_logs','behavior_categories','behavior_items','companies','evaluation_items','evaluations',
                  'regions','teams','user_regions','user_teams','users']) AS t ORDER BY t
'@) { $expected[$row.name] = $row.rows }
        @($Info.Tables.Keys) | Should -Be @($expected.Keys)
        foreach ($name in $expected.Keys) { $Info.Tables[$name] | Should -Be $expected[$name] -Because $name }
        $Info.Tables['public.users'] | Should -Be 156
        $Info.Tables['public.evaluation_items'] | Should -Be 967
        $Info.TotalRows | Should -Be ($expected.Values | Measure-Object -Sum).Sum
    }

    It 'finds tables in the catalog: a new table in another schema is counted, inheritance children once' {
        Invoke-TestSql -Database $Database -Sql @'
CREATE SCHEMA "Reporting ""Q4""";
CREATE TABLE "Reporting ""Q4""".snapshots (id int);
INSERT INTO "Reporting ""Q4""".snapshots SELECT generate_series(1, 5);
CREATE TABLE public.parent_t (id int);
CREATE TABLE public.child_t () INHERITS (public.parent_t);
INSERT INTO public.parent_t VALUES (1);
INSERT INTO public.child_t VALUES (2), (3);
CREATE TABLE public.measurements (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE public.measurements_2025 PARTITION OF public.measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO public.measurements VALUES (1, '2025-05-05'), (2, '2025-06-06');
'@ | Out-Null
        $after = Test-ScorecardDatabase -DatabaseUrl $Url
        $after.Tables['Reporting "Q4".snapshots'] | Should -Be 5
        $after.Tables['public.parent_t'] | Should -Be 1
        $after.Tables['public.child_t'] | Should -Be 2
        $after.Tables['public.measurements'] | Should -Be 2
        $after.Tables.Contains('public.measurements_2025') | Should -BeFalse
        $after.TotalRows | Should -Be ($Info.TotalRows + 10)
    }

    It 'reads DATABASE_URL from the .env file -EnvFile names' {
        $folder = New-TestFolder
        try {
            $envFile = Join-Path $folder 'scorecard.env'
            Set-Content -Path $envFile -Value "DATABASE_URL=`"$Url`""
            (Test-ScorecardDatabase -EnvFile $envFile).Database | Should -Be $Database
        } finally { Remove-Item -Recurse -Force $folder }
    }

    It 'binds DatabaseUrl from the pipeline by property name' {
        ([pscustomobject]@{ DatabaseUrl = $Url } | Test-ScorecardDatabase).Database | Should -Be $Database
    }
}

Describe 'Test-ScorecardDatabase failures' {
    It 'fails with DatabaseAuthenticationFailed on a wrong password, which appears nowhere' {
        $wrong = 'Wr0ng-Pa55word-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $badUrl = Get-TestDatabaseUrl $Database -Password $wrong
        $err = { Test-ScorecardDatabase -DatabaseUrl $badUrl -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'DatabaseAuthenticationFailed,SalesScorecard.PowerShell.TestScorecardDatabaseCommand'
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $err.Exception.Message | Should -Match ([regex]::Escape("database '$Database'"))
        $err.Exception.Message | Should -Match "user 'postgres'"
        $output = Invoke-Capturing { Test-ScorecardDatabase -DatabaseUrl $badUrl -Verbose -ErrorAction Stop }
        $output | Should -Match 'DatabaseAuthenticationFailed'
        $output | Should -Not -Match $wrong
        $output | Should -Not -Match ([regex]::Escape($Password))
        $output | Should -Not -Match ([regex]::Escape([uri]::EscapeDataString($Password)))
    }

    It 'fails with DatabaseUnreachable when nothing listens on the port' {
        $port = Get-UnusedPort
        $err = { Test-ScorecardDatabase -DatabaseUrl "postgresql://postgres:NotUsed42@127.0.0.1:$port/$Database" -ErrorAction Stop } |
            Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'DatabaseUnreachable,*'
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
        $err.Exception.Message | Should -Match "127\.0\.0\.1:$port"
        $err.Exception.Message | Should -Not -Match 'NotUsed42'
    }

    It 'fails with DatabaseUnreachable when the host name does not resolve' {
        $err = { Test-ScorecardDatabase -DatabaseUrl 'postgresql://u:NotUsed42@no-such-host.invalid:5432/app?connect_timeout=5' -ErrorAction Stop } |
            Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'DatabaseUnreachable,*'
        $err.Exception.Message | Should -Match 'no-such-host\.invalid:5432'
    }

    It 'fails with DatabaseNotFound for a database that does not exist' {
        $err = { Test-ScorecardDatabase -DatabaseUrl (Get-TestDatabaseUrl 'no_such_scorecard_db') -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'DatabaseNotFound,*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -Match 'no_such_scorecard_db'
    }

    It 'fails with DatabaseAuthenticationFailed when the URL has no password' {
        $noPassword = (Get-TestDatabaseUrl $Database) -replace '^(postgresql://[^:]+):[^@]+@', '$1@'
        $err = { Test-ScorecardDatabase -DatabaseUrl $noPassword -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'DatabaseAuthenticationFailed,*'
    }
}
