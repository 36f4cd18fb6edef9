# Shared by the test files: the module under test, the private PostgreSQL server build.ps1 started, and SQL helpers.
Set-StrictMode -Version Latest

function Get-TestModulePath {
    if (-not $env:SCORECARD_TEST_MODULE) { throw 'Run the tests with ./build.ps1 -Task Test: SCORECARD_TEST_MODULE is not set.' }
    $env:SCORECARD_TEST_MODULE
}

function Import-TestAssemblies {
    <# Loads Core and Npgsql from the built module so test code can name their types before any cmdlet has run. #>
    $folder = Split-Path (Get-TestModulePath)
    foreach ($name in 'Npgsql.dll', 'SalesScorecard.Core.dll') { Add-Type -Path (Join-Path $folder $name) }
}

function Get-TestServerUrl {
    if (-not $env:SCORECARD_TEST_DATABASE_URL) { throw 'Run the tests with ./build.ps1 -Task Test: SCORECARD_TEST_DATABASE_URL is not set.' }
    $env:SCORECARD_TEST_DATABASE_URL
}

function Get-TestDatabaseUrl {
    <# The server's URL pointing at another database; -Password replaces the real password. #>
    param([Parameter(Mandatory)] [string] $Database, [string] $Password)
    $url = (Get-TestServerUrl) -replace '/[^/?]*(\?.*)?$', "/$Database"
    if ($PSBoundParameters.ContainsKey('Password')) {
        $url = $url -replace '^(postgres(?:ql)?://[^:]+:).*@([^@]+)$', "`$1$([uri]::EscapeDataString($Password))@`$2"
    }
    $url
}

function Get-TestServerPassword {
    $userInfo = ((Get-TestServerUrl) -replace '^postgres(?:ql)?://', '') -replace '@[^@]+$', ''
    [uri]::UnescapeDataString($userInfo.Split(':', 2)[1])
}

function Invoke-TestSql {
    <# Runs SQL on a database of the test server and returns the rows as objects. #>
    param([Parameter(Mandatory)] [string] $Database, [Parameter(Mandatory)] [string] $Sql)
    Import-TestAssemblies
    $builder = [SalesScorecard.Settings.DatabaseUrl]::Parse((Get-TestDatabaseUrl $Database)).Builder
    $builder.Pooling = $false
    $connection = [Npgsql.NpgsqlConnection]::new($builder.ConnectionString)
    try {
        $connection.Open()
        $command = $connection.CreateCommand()
        $command.CommandText = $Sql
        $reader = $command.ExecuteReader()
        try {
            do {
                while ($reader.Read()) {
                    $row = [ordered]@{}
                    for ($i = 0; $i -lt $reader.FieldCount; $i++) { $row[$reader.GetName($i)] = $reader.IsDBNull($i) ? $null : $reader.GetValue($i) }
                    [pscustomobject]$row
                }
            } while ($reader.NextResult())
        } finally { $reader.Dispose() }
    } finally { $connection.Dispose() }
}

function New-TestDatabase {
    <# A fresh copy of the fixture database (or an empty one); returns its name. #>
    param([switch] $Empty)
    $name = 'test_' + [guid]::NewGuid().ToString('N').Substring(0, 12)
    $template = $Empty ? 'template0' : $env:SCORECARD_TEST_FIXTURE_DB
    Invoke-TestSql -Database postgres -Sql "CREATE DATABASE `"$name`" TEMPLATE `"$template`"" | Out-Null
    $name
}

function Remove-TestDatabase([Parameter(Mandatory)] [string] $Name) {
    Invoke-TestSql -Database postgres -Sql "DROP DATABASE IF EXISTS `"$Name`" WITH (FORCE)" | Out-Null
}

function Get-UnusedPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function New-TestFolder {
    $path = Join-Path ([IO.Path]::GetTempPath()) ('scorecard-test-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
    New-Item -ItemType Directory -Path $path | Select-Object -ExpandProperty FullName
}

function Invoke-Capturing {
    <# Runs a script block and returns every stream's output, and any error, as one string: for secret leak checks. #>
    param([Parameter(Mandatory)] [scriptblock] $ScriptBlock)
    $text = & {
        $VerbosePreference = 'Continue'
        $DebugPreference = 'Continue'
        $InformationPreference = 'Continue'
        try { & $ScriptBlock *>&1 | Out-String -Width 400 } catch { $_ | Format-List * -Force | Out-String -Width 400; $_.Exception.ToString() }
    }
    $text -join "`n"
}

Export-ModuleMember -Function *
