# Starts and stops the private services the tests and the demo run against: a PostgreSQL cluster and smtp4dev.
# Nothing here is part of the module; build.ps1 imports it for -Task Test and -Task Demo.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

function Get-PwshCommand {
    <# This pwsh as a command line: itself, or dotnet and pwsh.dll when it runs as a dotnet tool. #>
    $self = [Environment]::ProcessPath
    if ((Split-Path -Leaf $self) -match '^pwsh(\.exe)?$') { return , @($self) }
    , @($self, (Join-Path $PSHOME 'pwsh.dll'))
}

function Get-FreeTcpPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Test-IsRoot { $IsLinux -and (& id -u) -eq '0' }

function New-RandomSecret([int] $Length = 24) {
    $alphabet = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'
    -join [System.Security.Cryptography.RandomNumberGenerator]::GetItems[char]($alphabet.ToCharArray(), $Length)
}

function Find-PostgresBin {
    # Debian keeps initdb and pg_ctl out of PATH; take the newest installed major version.
    $debian = Get-ChildItem /usr/lib/postgresql/*/bin -Directory -ErrorAction SilentlyContinue |
        Sort-Object { [int]$_.Parent.Name } -Descending | Select-Object -First 1
    if ($debian) { return $debian.FullName }
    $initdb = Get-Command initdb -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($initdb) { return Split-Path $initdb.Source }
    $null
}

# What the tests, the demo and the benchmarks run besides .NET: the command that shows it is there, where it comes from.
$Prerequisites = [ordered]@{
    postgres = @{ Found = { Test-PostgresServer }; Debian = 'postgresql'; Brew = 'postgresql'; Npm = $null; For = 'the private test and demo cluster, pg_dump and pg_restore' }
    age      = @{ Found = { Test-Command age-keygen }; Debian = 'age'; Brew = 'age'; Npm = $null; For = 'the tests of age interoperability, with age and age-keygen' }
    zstd     = @{ Found = { Test-Command zstd }; Debian = 'zstd'; Brew = 'zstd'; Npm = $null; For = 'restoring backups without the module, as the runbook does' }
    rclone   = @{ Found = { Test-Command rclone }; Debian = 'rclone'; Brew = 'rclone'; Npm = $null; For = 'reading offsite copies with a client of their own' }
    s3cmd    = @{ Found = { Test-Command s3cmd }; Debian = 's3cmd'; Brew = 's3cmd'; Npm = $null; For = 'changing objects behind the module in the offsite fault tests' }
    cron     = @{ Found = { Test-Command crontab }; Debian = 'cron'; Brew = $null; Npm = $null; For = 'the schedule tests, against a real crontab' }
    chromium = @{ Found = { Test-Command chromium }; Debian = 'chromium'; Brew = $null; Npm = $null; For = 'the screenshots of the report and the mail, as their readers see them' }
    s3rver   = @{ Found = { Test-Command s3rver }; Debian = $null; Brew = $null; Npm = 's3rver@3.7.1'; For = 'the S3-protocol server the offsite tests run against' }
}

function Test-PostgresServer { ($bin = Find-PostgresBin) -and (Test-Path (Join-Path $bin 'initdb')) }

function Test-Command([string] $Name) { [bool](Get-Command $Name -CommandType Application -ErrorAction SilentlyContinue) }

function Install-Prerequisites {
    <#
    Installs what is missing of -Name (keys of $Prerequisites): Debian packages when root on a machine with apt-get,
    npm packages where npm is; anything still missing is one error that says exactly what to install.
    #>
    param([Parameter(Mandatory)] [string[]] $Name)
    $missing = @($Name | Where-Object { -not (& $Prerequisites[$_].Found) })
    if (-not $missing) { return }
    $debian = @($missing | ForEach-Object { $Prerequisites[$_].Debian } | Where-Object { $_ })
    if ($debian -and (Test-IsRoot) -and (Test-Command apt-get)) {
        Write-Host "Installing $($debian -join ', ') (apt-get install)..."
        $env:DEBIAN_FRONTEND = 'noninteractive'
        & apt-get update -qq | Out-Null
        & apt-get install -y -qq --no-install-recommends @debian | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "apt-get install $($debian -join ' ') failed with exit code $LASTEXITCODE." }
    }
    foreach ($package in @($missing | ForEach-Object { $Prerequisites[$_].Npm } | Where-Object { $_ })) {
        if (-not (Test-Command npm)) { continue }
        Write-Host "Installing $package (npm install -g)..."
        & npm install -g --no-fund --no-audit $package 2>&1 | Out-Null
        if ($LASTEXITCODE -ne 0) { Write-Warning "npm install -g $package failed with exit code $LASTEXITCODE." }
    }
    $still = @($missing | Where-Object { -not (& $Prerequisites[$_].Found) })
    if ($still) { throw (Get-PrerequisiteAdvice $still) }
}

function Get-PrerequisiteAdvice([string[]] $Name) {
    $lines = @('Missing: ' + (($Name | ForEach-Object { "$_ ($($Prerequisites[$_].For))" }) -join '; ') + '. Install:')
    $debian = @($Name | ForEach-Object { $Prerequisites[$_].Debian } | Where-Object { $_ })
    $brew = @($Name | ForEach-Object { $Prerequisites[$_].Brew } | Where-Object { $_ })
    $npm = @($Name | ForEach-Object { $Prerequisites[$_].Npm } | Where-Object { $_ })
    if ($debian) { $lines += "  Debian/Ubuntu: sudo apt-get install $($debian -join ' ')" }
    if ($brew) { $lines += "  macOS: brew install $($brew -join ' ')" }
    if ($npm) { $lines += "  Node.js (any OS): npm install -g $($npm -join ' ')" }
    if ($Name -contains 'postgres') { $lines += '  Or set SCORECARD_TEST_DATABASE_URL to a server where you may create databases (psql and pg_dump still needed).' }
    $lines -join [Environment]::NewLine
}

function Remove-Tree([string] $Path) {
    # Remove-Item refuses files owned by the postgres user even when running as root.
    if ($IsWindows) { Remove-Item -Recurse -Force $Path -ErrorAction SilentlyContinue } else { & rm -rf -- $Path }
}

function Invoke-AsPostgresUser([string] $Program, [string[]] $Arguments) {
    if (Test-IsRoot) {
        # From a folder the postgres user may enter: else every tool says "could not change directory to ...".
        Push-Location ([IO.Path]::GetTempPath())
        try { & runuser -u postgres -- $Program @Arguments } finally { Pop-Location }
    } else {
        & $Program @Arguments
    }
    if ($LASTEXITCODE -ne 0) { throw "$(Split-Path -Leaf $Program) failed with exit code $LASTEXITCODE." }
}

function Start-TestPostgres {
    <# Starts a throwaway cluster on 127.0.0.1 and a free port, password authentication on TCP. #>
    param([Parameter(Mandatory)] [string] $Root)

    Install-Prerequisites postgres
    $bin = Find-PostgresBin
    $folder = Join-Path $Root ('pg-' + (New-RandomSecret 8))
    $data = Join-Path $folder 'data'
    New-Item -ItemType Directory -Path $folder -Force | Out-Null
    & chmod 0700 $folder
    # Characters that must be percent-encoded in a URL, so every test exercises the decoding.
    $password = 'p@ss/w:rd%' + (New-RandomSecret 16)
    $passwordFile = Join-Path $folder 'pwfile'
    Set-Content -Path $passwordFile -Value $password -NoNewline
    if (Test-IsRoot) {
        # initdb refuses root; the cluster belongs to the postgres user.
        & chown -R postgres:postgres $folder
    }

    $port = Get-FreeTcpPort
    Invoke-AsPostgresUser (Join-Path $bin 'initdb') @('-D', $data, '-U', 'postgres', '--pwfile', $passwordFile,
        '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync') | Out-Null
    Remove-Tree $passwordFile
    $options = "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$folder -c fsync=off " +
        '-c synchronous_commit=off -c full_page_writes=off -c max_connections=50'
    Invoke-AsPostgresUser (Join-Path $bin 'pg_ctl') @('-D', $data, '-l', (Join-Path $folder 'server.log'), '-w', '-t', '60',
        '-o', $options, 'start') | Out-Null

    [pscustomobject]@{
        Kind     = 'Private'
        BinDir   = $bin
        Folder   = $folder
        DataDir  = $data
        Port     = $port
        Url      = 'postgresql://postgres:{0}@127.0.0.1:{1}/postgres' -f [uri]::EscapeDataString($password), $port
    }
}

function Get-ExternalPostgres {
    <# Uses the server SCORECARD_TEST_DATABASE_URL names instead of a private cluster. #>
    $bin = Find-PostgresBin
    if (-not $bin) {
        $psql = Get-Command psql -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        if (-not $psql) { throw 'SCORECARD_TEST_DATABASE_URL is set but psql and pg_dump are not installed.' }
        $bin = Split-Path $psql.Source
    }
    [pscustomobject]@{ Kind = 'External'; BinDir = $bin; Folder = $null; DataDir = $null; Port = $null; Url = $env:SCORECARD_TEST_DATABASE_URL }
}

function Stop-TestPostgres([Parameter(Mandatory)] $Server) {
    if ($Server.Kind -ne 'Private') { return }
    try {
        Invoke-AsPostgresUser (Join-Path $Server.BinDir 'pg_ctl') @('-D', $Server.DataDir, '-m', 'immediate', '-w', 'stop') | Out-Null
    } catch {
        Write-Warning "Stopping the test cluster: $_"
    }
    Remove-Tree $Server.Folder
}

function Invoke-Psql {
    <# Runs psql against one database of the server; the password travels in PGPASSWORD of psql's own environment. #>
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $Database, [string[]] $Arguments)
    $uri = [uri]($Server.Url -replace '^postgres(ql)?://', 'http://')
    $user, $password = $uri.UserInfo.Split(':', 2) | ForEach-Object { [uri]::UnescapeDataString($_) }
    $saved = @{}
    $variables = @{ PGOPTIONS = '-c client_min_messages=warning'; PGHOST = $uri.Host; PGPORT = [string]($uri.Port -gt 0 ? $uri.Port : 5432); PGUSER = $user; PGPASSWORD = $password; PGDATABASE = $Database }
    foreach ($name in $variables.Keys) { $saved[$name] = [Environment]::GetEnvironmentVariable($name); [Environment]::SetEnvironmentVariable($name, $variables[$name]) }
    try {
        & (Join-Path $Server.BinDir 'psql') -X -q -v ON_ERROR_STOP=1 @Arguments
        if ($LASTEXITCODE -ne 0) { throw "psql failed with exit code $LASTEXITCODE on database '$Database'." }
    } finally {
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    }
}

function New-FixtureDatabase {
    <# Creates a database with the upstream schema and seed data at the given scale. #>
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $Name, [int] $Scale = 1, [Parameter(Mandatory)] [string] $FixtureDir)
    Invoke-Psql $Server 'postgres' @('-c', "DROP DATABASE IF EXISTS `"$Name`" WITH (FORCE)", '-c', "CREATE DATABASE `"$Name`"")
    Invoke-Psql $Server $Name @('-v', "scale=$Scale", '-f', (Join-Path $FixtureDir 'schema.sql'), '-f', (Join-Path $FixtureDir 'seed.sql'))
}

function Wait-ServiceReady {
    <# Waits until -Probe succeeds; a server that exits, or does not answer within -Seconds, is an error naming its log. #>
    param([string] $Name, [System.Diagnostics.Process] $Process, [string] $Log, [int] $Seconds, [scriptblock] $Probe)
    $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
    while ($true) {
        if ($Process.HasExited) { throw "$Name exited early (code $($Process.ExitCode)); see $Log." }
        try {
            & $Probe
            return
        } catch {
            if ([DateTime]::UtcNow -gt $deadline) { $Process.Kill($true); throw "$Name did not answer within $Seconds s; see $Log." }
            Start-Sleep -Milliseconds 200
        }
    }
}

function Start-TestSmtp {
    <# Starts smtp4dev in memory: STARTTLS with its self-signed certificate, authentication required, one user. #>
    param([Parameter(Mandatory)] [string] $RepoRoot, [Parameter(Mandatory)] [string] $Root)

    $smtpPort = Get-FreeTcpPort
    $httpPort = Get-FreeTcpPort
    $user = 'scorecard'
    $password = New-RandomSecret 20
    $folder = Join-Path $Root ('smtp-' + (New-RandomSecret 8))
    New-Item -ItemType Directory -Path $folder -Force | Out-Null
    $log = Join-Path $folder 'smtp4dev.log'

    # Our own self-signed certificate, so the tests know exactly which certificate the server shows.
    $key = [System.Security.Cryptography.RSA]::Create(2048)
    $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=localhost', $key,
        [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $names = [System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
    $names.AddDnsName('localhost')
    $request.CertificateExtensions.Add($names.Build())
    $certificate = $request.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(30))
    $pfxPassword = New-RandomSecret 16
    $pfx = Join-Path $folder 'smtp4dev.pfx'
    $crt = Join-Path $folder 'smtp4dev.crt'
    [IO.File]::WriteAllBytes($pfx, $certificate.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pfx, $pfxPassword))
    Set-Content -Path $crt -Value $certificate.ExportCertificatePem()
    $fingerprint = [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData($certificate.RawData))

    $arguments = @('tool', 'run', 'smtp4dev', '--', "--smtpport=$smtpPort", "--urls=http://127.0.0.1:$httpPort",
        '--db=""', '--tlsmode=StartTls', '--hostname=localhost', "--tlscertificate=$pfx", "--tlscertificatepassword=$pfxPassword", '--authenticationrequired', "--user=$user=$password",
        '--imapport=""', '--pop3port=""', '--nousersettings', "--baseappdatapath=$folder", '--bindaddress=127.0.0.1')
    # Without this, smtp4dev accepts any password and a wrong-credentials test could never fail.
    $process = Start-Process dotnet -ArgumentList $arguments -WorkingDirectory $RepoRoot -PassThru -NoNewWindow `
        -RedirectStandardOutput $log -RedirectStandardError "$log.err" -Environment @{ ServerOptions__SmtpAllowAnyCredentials = 'false' }

    $api = "http://127.0.0.1:$httpPort"
    Wait-ServiceReady -Name smtp4dev -Process $process -Log $log -Seconds 90 -Probe {
        Invoke-RestMethod "$api/api/messages" -TimeoutSec 2 | Out-Null
        ([System.Net.Sockets.TcpClient]::new('127.0.0.1', $smtpPort)).Dispose()
    }

    [pscustomobject]@{
        Host     = 'localhost'
        SmtpPort = $smtpPort
        ApiUrl   = $api
        User     = $user
        Password = $password
        CertificateFile   = $crt
        CertificateSha256 = $fingerprint
        Process  = $process
        Folder   = $folder
        Log      = $log
    }
}

function Start-TestS3 {
    <#
    Starts s3rver, an S3-protocol server, on a free loopback port with one bucket. It knows one access key pair,
    S3RVER/S3RVER, and rejects any other key id. -Folder and -Port (a stopped server's) start it again on the objects it held.
    #>
    param([Parameter(Mandatory)] [string] $Root, [string] $Bucket = 'scorecard-backups', [string] $Folder, [int] $Port)
    Install-Prerequisites s3rver
    $s3rver = Get-Command s3rver -CommandType Application | Select-Object -First 1
    $port = $Port ? $Port : (Get-FreeTcpPort)
    $folder = $Folder ? $Folder : (Join-Path $Root ('s3-' + (New-RandomSecret 8)))
    New-Item -ItemType Directory -Path (Join-Path $folder 'data') -Force | Out-Null
    $log = Join-Path $folder 's3rver.log'
    $process = Start-Process $s3rver.Source -ArgumentList @('-d', (Join-Path $folder 'data'), '-a', '127.0.0.1', '-p', $port, '--configure-bucket', $Bucket) `
        -PassThru -RedirectStandardOutput $log -RedirectStandardError "$log.err"
    Wait-ServiceReady -Name s3rver -Process $process -Log $log -Seconds 30 -Probe { ([System.Net.Sockets.TcpClient]::new('127.0.0.1', $port)).Dispose() }
    [pscustomobject]@{
        Endpoint = "http://127.0.0.1:$port"
        Port     = $port
        Bucket   = $Bucket
        Process  = $process
        Folder   = $folder
        Log      = $log
    }
}

function Stop-TestS3([Parameter(Mandatory)] $S3) {
    if (-not $S3.Process.HasExited) {
        $S3.Process.Kill($true)
        $S3.Process.WaitForExit(10000) | Out-Null
    }
    Remove-Tree $S3.Folder
}

function Stop-TestSmtp([Parameter(Mandatory)] $Smtp) {
    if (-not $Smtp.Process.HasExited) {
        $Smtp.Process.Kill($true)
        $Smtp.Process.WaitForExit(10000) | Out-Null
    }
    Remove-Tree $Smtp.Folder
}

Export-ModuleMember -Function Install-Prerequisites, Get-PwshCommand, Get-FreeTcpPort, Start-TestPostgres, Get-ExternalPostgres, Stop-TestPostgres, Invoke-Psql,
    New-FixtureDatabase, Start-TestSmtp, Stop-TestSmtp, Start-TestS3, Stop-TestS3
