# The services build.ps1 starts are part of what the suite promises: a private PostgreSQL on loopback with password
# authentication, and an smtp4dev that demands STARTTLS and real credentials.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force

    function Send-SmtpLines([System.IO.StreamReader] $Reader, [System.IO.StreamWriter] $Writer, [string] $Line) {
        if ($Line) { $Writer.WriteLine($Line); $Writer.Flush() }
        $reply = @()
        do { $text = $Reader.ReadLine(); $reply += $text } while ($text -match '^\d{3}-')
        $reply
    }
}

Describe 'The test PostgreSQL server' {
    It 'listens on loopback only and authenticates TCP logins by password' -Skip:([bool]$env:SCORECARD_TEST_EXTERNAL_SERVER) {
        (Invoke-TestSql -Database postgres -Sql 'SHOW listen_addresses').listen_addresses | Should -Be '127.0.0.1'
        $rules = Invoke-TestSql -Database postgres -Sql "SELECT type, auth_method FROM pg_hba_file_rules WHERE type = 'host'"
        $rules.auth_method | Sort-Object -Unique | Should -Be 'scram-sha-256'
    }

    It 'holds the fixture: two companies, all seven roles, NULL isActive, hostile text' {
        $fixture = $env:SCORECARD_TEST_FIXTURE_DB
        (Invoke-TestSql -Database $fixture -Sql 'SELECT count(*) AS n FROM companies').n | Should -Be 2
        (Invoke-TestSql -Database $fixture -Sql 'SELECT count(DISTINCT role) AS n FROM users').n | Should -Be 7
        (Invoke-TestSql -Database $fixture -Sql 'SELECT count(*) AS n FROM users WHERE "isActive" IS NULL').n | Should -BeGreaterThan 0
        $names = (Invoke-TestSql -Database $fixture -Sql 'SELECT "displayName" FROM users').displayName -join "`n"
        foreach ($needle in 'Иван', '🚀', "O'Brien", '\temp', "`t", '<script>') { $names | Should -BeLike "*$needle*" }
        $seedUser = Invoke-TestSql -Database $fixture -Sql "SELECT ""companyId"" AS company FROM users WHERE id = '08d281be-572e-4590-ab5a-199793077bf7'"
        $seedUser.company | Should -Be 'company_metro'
        $total = (Test-ScorecardDatabase -DatabaseUrl (Get-TestDatabaseUrl $fixture)).TotalRows
        $total | Should -BeGreaterOrEqual 1432
        $total | Should -BeLessThan 1500
    }
}

Describe 'The test smtp4dev server' {
    It 'answers its REST API' {
        $messages = Invoke-RestMethod "$env:SCORECARD_TEST_SMTP_API/api/messages"
        $messages | Should -Not -BeNullOrEmpty -Because 'the API returns a page object even when empty'
    }

    It 'offers STARTTLS, and refuses mail before authentication' {
        $client = [System.Net.Sockets.TcpClient]::new($env:SCORECARD_TEST_SMTP_HOST, [int]$env:SCORECARD_TEST_SMTP_PORT)
        try {
            $stream = $client.GetStream()
            $stream.ReadTimeout = 10000
            $reader = [System.IO.StreamReader]::new($stream)
            $writer = [System.IO.StreamWriter]::new($stream)
            @(Send-SmtpLines $reader $writer $null)[0] | Should -Match '^220'
            $ehlo = Send-SmtpLines $reader $writer 'EHLO tests.local'
            $ehlo -join "`n" | Should -Match 'STARTTLS'
            @(Send-SmtpLines $reader $writer 'MAIL FROM:<test@tests.local>')[0] | Should -Match '^5\d\d'
            Send-SmtpLines $reader $writer 'QUIT' | Out-Null
        } finally { $client.Dispose() }
    }
}

Describe 'The fixture generator' {
    It 'gives the same shape times the scale' {
        $name = 'scale_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        Invoke-TestSql -Database postgres -Sql "CREATE DATABASE $name" | Out-Null
        try {
            $fixtures = Join-Path $PSScriptRoot '../fixtures'
            $env:PGPASSWORD = Get-TestServerPassword
            try {
                $uri = [uri]((Get-TestServerUrl) -replace '^postgres(ql)?://', 'http://')
                & (Join-Path $env:SCORECARD_TEST_PG_BIN 'psql') -X -q -v ON_ERROR_STOP=1 -v scale=3 -h $uri.Host -p $uri.Port -U postgres -d $name `
                    -f (Join-Path $fixtures 'schema.sql') -f (Join-Path $fixtures 'seed.sql') | Out-Null
                $LASTEXITCODE | Should -Be 0
            } finally { $env:PGPASSWORD = $null }
            $one = (Test-ScorecardDatabase -DatabaseUrl (Get-TestDatabaseUrl $env:SCORECARD_TEST_FIXTURE_DB)).Tables
            $three = (Test-ScorecardDatabase -DatabaseUrl (Get-TestDatabaseUrl $name)).Tables
            foreach ($table in $one.Keys) {
                $expected = $table -eq 'public.companies' ? $one[$table] : 3 * $one[$table]
                $three[$table] | Should -Be $expected -Because $table
            }
        } finally { Remove-TestDatabase $name }
    }
}

Describe 'The build on a machine that lacks a tool' {
    BeforeAll { $services = Import-Module (Join-Path $PSScriptRoot '../../build/TestServices.psm1') -PassThru -Force -Scope Local }

    It 'says which tool is missing, what for, and the exact install lines' {
        $advice = & $services { Get-PrerequisiteAdvice 'age', 'cron', 's3rver' }
        $advice | Should -BeLike 'Missing: age (*); cron (*); s3rver (*). Install:*'
        $advice | Should -Match '(?m)^  Debian/Ubuntu: sudo apt-get install age cron$'
        $advice | Should -Match '(?m)^  macOS: brew install age$'
        $advice | Should -Match '(?m)^  Node.js \(any OS\): npm install -g s3rver@3\.7\.1$'
    }
}
