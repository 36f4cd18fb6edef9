# Shared by the test files: the module under test, the private PostgreSQL server build.ps1 started, and SQL helpers.
Set-StrictMode -Version Latest

function Get-TestModulePath {
    if (-not $env:SCORECARD_TEST_MODULE) { throw 'Run the tests with ./build.ps1 -Task Test: SCORECARD_TEST_MODULE is not set.' }
    $env:SCORECARD_TEST_MODULE
}

$NpgsqlNamed = $false

function Import-TestAssemblies {
    <#
    Lets test code name Npgsql's types ([Npgsql.NpgsqlConnection]) to set up and inspect test databases. The module
    keeps Npgsql in its own load context, which PowerShell's type names do not reach, so each of its public types
    becomes a type accelerator under its full name. The module's own types are not named: tests use the cmdlets.
    #>
    if ($script:NpgsqlNamed) { return }
    Import-Module (Get-TestModulePath)
    # Asked for by name from the default context, Core arrives as the cmdlets get it: from the module's context.
    $core = [System.Runtime.Loader.AssemblyLoadContext]::Default.LoadFromAssemblyName([System.Reflection.AssemblyName]'SalesScorecard.Core')
    $npgsql = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($core).LoadFromAssemblyName([System.Reflection.AssemblyName]'Npgsql')
    $accelerators = [psobject].Assembly.GetType('System.Management.Automation.TypeAccelerators')
    foreach ($type in $npgsql.GetExportedTypes()) { $accelerators::Add($type.FullName, $type) }
    $script:NpgsqlNamed = $true
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

function New-TestConnectionBuilder {
    <# An Npgsql connection string builder for a database of the test server, without pooling. #>
    param([Parameter(Mandatory)] [string] $Database)
    Import-TestAssemblies
    $uri = [uri]((Get-TestServerUrl) -replace '^postgres(?:ql)?://', 'http://')
    $builder = [Npgsql.NpgsqlConnectionStringBuilder]::new()
    $builder.Host = $uri.Host.Trim('[', ']')
    $builder.Port = $uri.Port -gt 0 ? $uri.Port : 5432
    $builder.Username = [uri]::UnescapeDataString($uri.UserInfo.Split(':', 2)[0])
    $builder.Password = Get-TestServerPassword
    $builder.Database = $Database
    $builder.Pooling = $false
    $builder
}

function Test-BcryptPassword {
    <#
    Whether a stored bcrypt hash accepts a password, checked by PostgreSQL's pgcrypto, which shares no code with the
    module. pgcrypto knows $2a$ but not $2b$, the same algorithm for passwords under 72 bytes (it differs only past 255).
    #>
    param([Parameter(Mandatory)] [string] $Password, [Parameter(Mandatory)] [string] $Hash)
    $quotedPassword = $Password -replace "'", "''"
    $asTwoA = ($Hash -replace '^\$2b\$', '$$2a$$') -replace "'", "''"
    (Invoke-TestSql -Database postgres -Sql "CREATE EXTENSION IF NOT EXISTS pgcrypto; SELECT crypt('$quotedPassword', '$asTwoA') = '$asTwoA' AS ok").ok
}

function Invoke-TestSql {
    <# Runs SQL on a database of the test server and returns the rows as objects. #>
    param([Parameter(Mandatory)] [string] $Database, [Parameter(Mandatory)] [string] $Sql)
    $builder = New-TestConnectionBuilder $Database
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
    <# A loopback port nothing listens on: the one helper the test services use too. #>
    Import-Module (Join-Path $PSScriptRoot '../../build/TestServices.psm1') -Scope Local
    Get-FreeTcpPort
}

function New-TestFolder {
    $path = Join-Path ([IO.Path]::GetTempPath()) ('scorecard-test-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
    New-Item -ItemType Directory -Path $path | Select-Object -ExpandProperty FullName
}

function Get-WhatIfText([Parameter(Mandatory)] [scriptblock] $ScriptBlock) {
    <# "What if:" lines go straight to the host; a transcript is how to read them. #>
    $transcript = Join-Path ([IO.Path]::GetTempPath()) "whatif-$([guid]::NewGuid().ToString('N')).txt"
    Start-Transcript -Path $transcript | Out-Null
    try { & $ScriptBlock } finally { Stop-Transcript | Out-Null }
    try { Get-Content $transcript -Raw } finally { Remove-Item $transcript -ErrorAction SilentlyContinue }
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

function Invoke-AsCron {
    <#
    Runs a crontab line's command as cron would: through sh (cron has already unescaped \%), in an almost empty
    environment, and under -Umask when given. Returns its exit code.
    #>
    param([Parameter(Mandatory)] [string] $Command, [string] $Umask)
    & env -i "HOME=$HOME" 'PATH=/usr/bin:/bin' 'LANG=C.UTF-8' sh -c ($Umask ? "umask $Umask; $Command" : $Command)
    $LASTEXITCODE
}

function Invoke-TestPgProgram {
    <# Runs a PostgreSQL client program of the test server's version against a database, password in its environment. #>
    param([Parameter(Mandatory)] [string] $Program, [Parameter(Mandatory)] [string] $Database, [string[]] $Arguments)
    $uri = [uri]((Get-TestServerUrl) -replace '^postgres(ql)?://', 'http://')
    $saved = $env:PGPASSWORD
    $env:PGPASSWORD = Get-TestServerPassword
    try {
        & (Join-Path $env:SCORECARD_TEST_PG_BIN $Program) -h $uri.Host -p $uri.Port -U postgres -d $Database @Arguments
        if ($LASTEXITCODE -ne 0) { throw "$Program failed with exit code $LASTEXITCODE." }
    } finally { $env:PGPASSWORD = $saved }
}

function Get-TableDigest {
    <# An md5 of every user table's rows in a stable order, by schema.table: equal digests, equal contents. #>
    param([Parameter(Mandatory)] [string] $Database)
    $digests = [ordered]@{}
    $tables = Invoke-TestSql -Database $Database -Sql @'
SELECT format('%I.%I', n.nspname, c.relname) AS quoted, n.nspname || '.' || c.relname AS name
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
ORDER BY 2
'@
    foreach ($table in $tables) {
        $digests[$table.name] = (Invoke-TestSql -Database $Database -Sql "SELECT count(*) AS n, md5(coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '')) AS digest FROM $($table.quoted) t" |
            ForEach-Object { '{0}:{1}' -f $_.n, $_.digest })
    }
    $digests
}

function Get-SchemaDump {
    <# pg_dump --schema-only, without the per-run \restrict key lines, for comparing two databases' schemas. #>
    param([Parameter(Mandatory)] [string] $Database)
    (Invoke-TestPgProgram pg_dump $Database @('--schema-only', '--no-owner')) -notmatch '^\\(un)?restrict ' -join "`n"
}

function New-PgDumpWrapper {
    <#
    A folder with a pg_dump shell script (its body runs before the real pg_dump, which it may exec with "$@") and the
    real pg_restore beside it. Returns the script's path, for PG_DUMP_PATH.
    #>
    param([Parameter(Mandatory)] [string] $Folder, [Parameter(Mandatory)] [string] $Body)
    New-Item -ItemType Directory -Path $Folder -Force | Out-Null
    $script = Join-Path $Folder 'pg_dump'
    Set-Content -Path $script -Value "#!/bin/sh`nREAL_PG_DUMP='$(Join-Path $env:SCORECARD_TEST_PG_BIN 'pg_dump')'`n$Body`n" -NoNewline
    & chmod 0755 $script
    New-Item -ItemType SymbolicLink -Path (Join-Path $Folder 'pg_restore') -Target (Join-Path $env:SCORECARD_TEST_PG_BIN 'pg_restore') | Out-Null
    $script
}

function New-PgRestoreWrapper {
    <#
    A folder with the real pg_dump and a pg_restore shell script beside it (its body may exec the real one,
    "$REAL_PG_RESTORE", with "$@"). Returns the pg_dump's path, for PG_DUMP_PATH, which finds pg_restore beside it.
    #>
    param([Parameter(Mandatory)] [string] $Folder, [Parameter(Mandatory)] [string] $Body, [string] $Mode = '0755')
    New-Item -ItemType Directory -Path $Folder -Force | Out-Null
    $pgDump = Join-Path $Folder 'pg_dump'
    New-Item -ItemType SymbolicLink -Path $pgDump -Target (Join-Path $env:SCORECARD_TEST_PG_BIN 'pg_dump') | Out-Null
    $script = Join-Path $Folder 'pg_restore'
    Set-Content -Path $script -Value "#!/bin/sh`nREAL_PG_RESTORE='$(Join-Path $env:SCORECARD_TEST_PG_BIN 'pg_restore')'`n$Body`n" -NoNewline
    & chmod $Mode $script
    $pgDump
}

function Get-DeliveredMessage {
    <# The messages smtp4dev received for one recipient, with their text, HTML and raw source; -WaitSeconds waits for the first. #>
    param([Parameter(Mandatory)] [string] $To, [int] $WaitSeconds = 0)
    $api = $env:SCORECARD_TEST_SMTP_API
    $deadline = [DateTime]::UtcNow.AddSeconds($WaitSeconds)
    while (-not ($summaries = @((Invoke-RestMethod "$api/api/messages?pageSize=500").results | Where-Object { $_.to -contains $To })) -and [DateTime]::UtcNow -lt $deadline) {
        Start-Sleep -Milliseconds 200
    }
    foreach ($summary in $summaries) {
        $message = Invoke-RestMethod "$api/api/messages/$($summary.id)"
        [pscustomobject]@{
            Subject          = $message.subject
            To               = $message.to
            SecureConnection = $message.secureConnection
            Text             = Invoke-RestMethod "$api/api/messages/$($summary.id)/plaintext"
            Html             = Invoke-RestMethod "$api/api/messages/$($summary.id)/html"
            Raw              = Invoke-RestMethod "$api/api/messages/$($summary.id)/raw"
        }
    }
}

function New-TestCertificate {
    <# A self-signed certificate for localhost and 127.0.0.1, with its private key, for a TLS-speaking scripted peer; -Expired ended yesterday. #>
    param([switch] $Expired)
    $key = [System.Security.Cryptography.RSA]::Create(2048)
    $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=localhost', $key,
        [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $names = [System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
    $names.AddDnsName('localhost')
    $names.AddIpAddress([System.Net.IPAddress]::Loopback)
    $request.CertificateExtensions.Add($names.Build())
    $notAfter = $Expired ? [DateTimeOffset]::UtcNow.AddDays(-1) : [DateTimeOffset]::UtcNow.AddDays(30)
    $certificate = $request.CreateSelfSigned($notAfter.AddDays(-31), $notAfter)
    [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($certificate.Export('Pfx'))
}

function Get-CertificateSha256([Parameter(Mandatory)] $Certificate) {
    [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData($Certificate.RawData))
}

function Start-ScriptedSmtpPeer {
    <#
    An SMTP server on loopback that answers as told, for replies smtp4dev cannot give. A reply given as several values
    is used in turn, across connections, the last one repeating: '451 ...', '250 ...' is a greylisting server.
    -AuthReply offers AUTH; -Certificate with -StartTls offers STARTTLS, with -TlsFirst speaks TLS from the first byte
    (port 465's way). -Silent accepts connections and never answers; -ReplyDelaySeconds waits that long before the
    greeting and each reply. -DropBeforeDot resets that many connections after reading -DropLines lines of the message
    (0: at once after 354); -DropAfterData hangs up after the final dot without answering. -MaxSize offers SIZE and
    refuses a bigger message as Postfix does: at MAIL FROM when its SIZE= says so, else after the final dot.
    Every line it receives, and each connection ('CONNECT') and final dot ('DOT'), goes to .Log; -KeepMessages keeps
    each message's lines, as received, in .Messages.
    #>
    param(
        [string] $Greeting = '220 peer.test ESMTP',
        [string[]] $MailReply = '250 2.1.0 OK',
        [string[]] $RcptReply = '250 2.1.5 OK',
        [string[]] $DataReply = '250 2.0.0 queued',
        [string[]] $AuthReply,
        [System.Security.Cryptography.X509Certificates.X509Certificate2] $Certificate,
        [switch] $StartTls,
        [switch] $TlsFirst,
        [switch] $Silent,
        [int] $DropBeforeDot,
        [int] $DropLines = 20,
        [switch] $DropAfterData,
        [double] $ReplyDelaySeconds = 0,
        [long] $MaxSize = 0,
        [switch] $KeepMessages,
        [int] $Port = 0
    )
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, $Port)
    $listener.Start()
    $log = [System.Collections.Concurrent.ConcurrentQueue[string]]::new()
    $messages = [System.Collections.Concurrent.ConcurrentQueue[string]]::new()
    $script = @{
        Greeting = $Greeting; Mail = $MailReply; Rcpt = $RcptReply; Data = $DataReply; Auth = $AuthReply; Certificate = $Certificate
        StartTls = $StartTls.IsPresent; TlsFirst = $TlsFirst.IsPresent; Silent = $Silent.IsPresent; DropBeforeDot = $DropBeforeDot
        DropLines = $DropLines; DropAfterData = $DropAfterData.IsPresent; Delay = [int]($ReplyDelaySeconds * 1000); MaxSize = $MaxSize
        KeepMessages = $KeepMessages.IsPresent; Messages = $messages; Used = [hashtable]::Synchronized(@{})
    }
    # Two workers share the listener, as a real server serves connections side by side (a TLS-first server must
    # answer a second connection while the first waits for its handshake).
    $job = 1..2 | ForEach-Object { Start-ThreadJob -ArgumentList $listener, $script, $log -ScriptBlock {
        param($listener, $script, $log)
        $used = $script.Used
        function Next([string] $kind) {
            $replies = @($script[$kind])
            $index = [Math]::Min([int]$used[$kind], $replies.Count - 1)
            $used[$kind] = [int]$used[$kind] + 1
            $replies[$index]
        }
        function Open($stream) {
            $reader = [System.IO.StreamReader]::new($stream, [System.Text.Encoding]::ASCII, $false, 65536, $true)
            $writer = [System.IO.StreamWriter]::new($stream, [System.Text.Encoding]::ASCII, 4096, $true)
            $writer.NewLine = "`r`n"
            $writer.AutoFlush = $true
            $reader, $writer
        }
        function Reply([string] $text) {
            if ($script.Delay -gt 0) { Start-Sleep -Milliseconds $script.Delay }
            $writer.WriteLine($text)
        }
        $tooBig = '552 5.3.4 Message size exceeds fixed limit'
        function AsServer($stream) {
            $ssl = [System.Net.Security.SslStream]::new($stream, $false)
            $ssl.ReadTimeout = 20000
            $ssl.AuthenticateAsServer($script.Certificate)
            $ssl
        }
        while ($true) {
            try { $client = $listener.AcceptTcpClient() } catch { return }
            $log.Enqueue('CONNECT')
            try {
                # No worker waits for ever on a client that went away: Stop-ScriptedSmtpPeer must end them.
                $client.ReceiveTimeout = 20000
                $stream = $client.GetStream()
                if ($script.Silent) { while ($stream.Read([byte[]]::new(1024), 0, 1024) -gt 0) { }; continue }
                if ($script.TlsFirst) { $stream = AsServer $stream }
                $reader, $writer = Open $stream
                Reply $script.Greeting
                if ($script.Greeting -notmatch '^220') { Start-Sleep -Milliseconds 200; continue }
                $secure = $script.TlsFirst
                :session while ($null -ne ($line = $reader.ReadLine())) {
                    $log.Enqueue($line)
                    switch -regex ($line) {
                        '^(EHLO|HELO)' {
                            Reply '250-peer.test'
                            if ($script.MaxSize -gt 0) { $writer.WriteLine("250-SIZE $($script.MaxSize)") }
                            if ($script.StartTls -and -not $secure) { $writer.WriteLine('250-STARTTLS') }
                            if ($script.Auth) { $writer.WriteLine('250-AUTH PLAIN LOGIN') }
                            $writer.WriteLine('250 8BITMIME')
                        }
                        '^STARTTLS' {
                            Reply '220 2.0.0 ready for TLS'
                            $reader, $writer = Open (AsServer $stream)
                            $secure = $true
                        }
                        '^AUTH' { Reply (Next 'Auth') }
                        '^MAIL' {
                            $declared = $line -match 'SIZE=(\d+)' ? [long]$Matches[1] : 0
                            Reply ($script.MaxSize -gt 0 -and $declared -gt $script.MaxSize ? $tooBig : (Next 'Mail'))
                        }
                        '^RCPT' { Reply (Next 'Rcpt') }
                        '^DATA' {
                            $drop = [int]$used['Drop'] -lt $script.DropBeforeDot
                            # Dropping at once: TCP_CORK (Linux) holds the 354 back, to leave together with the FIN.
                            if ($drop -and $script.DropLines -eq 0) { try { $client.Client.SetRawSocketOption(6, 3, [BitConverter]::GetBytes(1)) } catch { } }
                            Reply '354 go ahead'
                            if ($drop) {
                                $used['Drop'] = [int]$used['Drop'] + 1
                                for ($i = 0; $i -lt $script.DropLines; $i++) { $null = $reader.ReadLine() }
                                $log.Enqueue('DROP')
                                # Closing with unread data resets the connection: the sender's next write fails.
                                if ($script.DropLines -gt 0) { $client.Client.LingerState = [System.Net.Sockets.LingerOption]::new($true, 0) }
                                break session
                            }
                            $received = 0L
                            $kept = $script.KeepMessages ? [System.Text.StringBuilder]::new() : $null
                            while ($null -ne ($body = $reader.ReadLine()) -and $body -ne '.') {
                                $received += $body.Length + 2
                                if ($kept) { $null = $kept.AppendLine($body) }
                            }
                            if ($null -eq $body) { break session }
                            $log.Enqueue('DOT')
                            if ($script.DropAfterData) { break session }
                            $refused = $script.MaxSize -gt 0 -and $received -gt $script.MaxSize
                            if ($kept -and -not $refused) { $script.Messages.Enqueue($kept.ToString()) }
                            Reply ($refused ? $tooBig : (Next 'Data'))
                        }
                        '^(RSET|NOOP)' { Reply '250 2.0.0 OK' }
                        '^QUIT' { Reply '221 2.0.0 bye'; break session }
                        default { Reply '502 5.5.2 not implemented' }
                    }
                }
            } catch {
                $log.Enqueue("ERROR $_")
            } finally { $client.Dispose() }
        }
    } }
    [pscustomobject]@{ Port = $listener.LocalEndpoint.Port; Listener = $listener; Job = $job; Log = $log; Messages = $messages }
}

function Stop-ScriptedSmtpPeer([Parameter(Mandatory)] $Peer) {
    $Peer.Listener.Stop()
    $Peer.Job | Wait-Job -Timeout 10 | Out-Null
    $Peer.Job | Remove-Job -Force
}

# The settings the mail tests set; each mail test file clears them first and restores them at the end.
$MailSettingNames = 'SMTP_HOST', 'SMTP_PORT', 'SMTP_USER', 'SMTP_PASS', 'SMTP_FROM', 'BACKUP_NOTIFICATION_EMAIL', 'SMTP_SECURITY',
    'SMTP_TRUSTED_CERT', 'SMTP_TIMEOUT_SECONDS', 'SMTP_RETRY_SECONDS', 'NOTIFICATION_TIMEZONE', 'NOTIFICATION_CULTURE', 'DATABASE_URL',
    'BACKUP_DIR', 'SCORECARD_ENV_FILE'

function Clear-MailSettingEnvironment {
    <# Clears every mail test setting; returns what was there, for Restore-SettingEnvironment. #>
    Clear-SettingEnvironment -Names $MailSettingNames
}

function Set-SmtpEnvironment([string] $To) {
    <# Points the settings at the harness's smtp4dev: STARTTLS with its self-signed certificate, login required. #>
    Clear-MailSettingEnvironment | Out-Null
    $env:SMTP_HOST = $env:SCORECARD_TEST_SMTP_HOST
    $env:SMTP_PORT = $env:SCORECARD_TEST_SMTP_PORT
    $env:SMTP_USER = $env:SCORECARD_TEST_SMTP_USER
    $env:SMTP_PASS = $env:SCORECARD_TEST_SMTP_PASS
    $env:SMTP_TRUSTED_CERT = $env:SCORECARD_TEST_SMTP_CERT
    $env:SMTP_FROM = 'Sales Scorecard <noreply@instorm.example>'
    $env:BACKUP_NOTIFICATION_EMAIL = $To
    $env:SMTP_TIMEOUT_SECONDS = '15'
}

function Use-ScriptedSmtpPeer($Peer, [switch] $PlainText) {
    <# Points the settings at a scripted peer: no login, and plain text only when asked. #>
    $env:SMTP_HOST = '127.0.0.1'
    $env:SMTP_PORT = $Peer.Port
    $env:SMTP_USER = $null
    $env:SMTP_PASS = $null
    if ($PlainText) { $env:SMTP_SECURITY = 'None' }
}

function New-Recipient { "admin-$([guid]::NewGuid().ToString('N').Substring(0, 10))@example.org" }

function Wait-Delivered([string] $To, [int] $Count = 1) {
    <# The messages smtp4dev holds for one recipient, once there are -Count of them or 10 seconds have passed. #>
    $deadline = [DateTime]::UtcNow.AddSeconds(10)
    do {
        $messages = @(Get-DeliveredMessage -To $To)
        if ($messages.Count -ge $Count) { return $messages }
        Start-Sleep -Milliseconds 200
    } while ([DateTime]::UtcNow -lt $deadline)
    $messages
}

function Get-PeerCount($Peer, [string] $Entry) {
    <# How often a scripted peer logged an entry: 'CONNECT', 'DOT', 'DATA', ... #>
    @($Peer.Log.ToArray() | Where-Object { $_ -eq $Entry }).Count
}

# The settings the backup tests set: each such test file clears them first, so that the machine's own cannot leak in.
$BackupSettingNames = 'DATABASE_URL', 'BACKUP_DIR', 'PG_DUMP_PATH', 'BACKUP_RETENTION_DAYS', 'BACKUP_KEEP_MIN', 'SCORECARD_ENV_FILE',
    'BACKUP_COMPRESSION', 'BACKUP_ENCRYPTION_RECIPIENTS', 'BACKUP_IDENTITY_FILE', 'BACKUP_STALL_SECONDS',
    'BACKUP_S3_URL', 'BACKUP_S3_ENDPOINT', 'BACKUP_S3_REGION', 'BACKUP_S3_FORCE_PATH_STYLE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'BACKUP_S3_RETENTION_DAYS', 'BACKUP_S3_KEEP_MIN', 'BACKUP_S3_TIMEOUT_SECONDS', 'AWS_REGION', 'AWS_DEFAULT_REGION'

function Clear-SettingEnvironment {
    <# Clears settings (the backup ones unless -Names says) from the environment; returns what was there, for Restore-SettingEnvironment. #>
    param([string[]] $Names = $BackupSettingNames)
    $saved = @{}
    foreach ($name in $Names) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }
    $saved
}

function Restore-SettingEnvironment([Parameter(Mandatory)] [hashtable] $Saved) {
    foreach ($name in $Saved.Keys) { [Environment]::SetEnvironmentVariable($name, $Saved[$name]) }
}

function Set-ManifestField {
    <# Edits a backup's manifest.json as someone with write access to the folder would. #>
    param([Parameter(Mandatory)] [string] $Folder, [Parameter(Mandatory)] [scriptblock] $Change)
    $path = Join-Path $Folder 'manifest.json'
    $manifest = Get-Content $path -Raw | ConvertFrom-Json -AsHashtable
    & $Change $manifest
    $manifest | ConvertTo-Json -Depth 10 | Set-Content $path
}

function Test-DatabaseExists([Parameter(Mandatory)] [string] $Name) {
    (Invoke-TestSql -Database postgres -Sql "SELECT count(*) AS n FROM pg_database WHERE datname = '$($Name -replace "'", "''")'").n -eq 1
}

function Set-TestS3Environment {
    <#
    Points the offsite settings at the S3 server build.ps1 started (or at -Endpoint), under a prefix of its own;
    returns the s3:// address. s3rver knows one key pair, S3RVER/S3RVER.
    #>
    param([string] $Prefix = ('t-' + [guid]::NewGuid().ToString('N').Substring(0, 10)), [string] $Endpoint = $env:SCORECARD_TEST_S3_ENDPOINT,
        [string] $Bucket = $env:SCORECARD_TEST_S3_BUCKET, [string] $AccessKeyId = 'S3RVER')
    if (-not $Endpoint) { throw 'Run the tests with ./build.ps1 -Task Test: SCORECARD_TEST_S3_ENDPOINT is not set.' }
    $env:BACKUP_S3_URL = "s3://$Bucket/$Prefix"
    $env:BACKUP_S3_ENDPOINT = $Endpoint
    $env:AWS_ACCESS_KEY_ID = $AccessKeyId
    $env:AWS_SECRET_ACCESS_KEY = 'S3RVER'
    $env:BACKUP_S3_URL
}

function Start-PrivateS3 {
    <# A server of the test's own, for tests that stop it or remove its bucket. #>
    Import-Module (Join-Path $PSScriptRoot '../../build/TestServices.psm1') -Scope Local
    Start-TestS3 -Root ([IO.Path]::GetTempPath()) -Bucket 'private-backups'
}

function Restart-PrivateS3([Parameter(Mandatory)] $S3) {
    <# Starts a stopped private server again on the same port and data folder, to see what the store kept. #>
    Import-Module (Join-Path $PSScriptRoot '../../build/TestServices.psm1') -Scope Local
    Start-TestS3 -Root ([IO.Path]::GetTempPath()) -Bucket $S3.Bucket -Folder $S3.Folder -Port $S3.Port
}

function Suspend-PrivateS3([Parameter(Mandatory)] $S3) {
    <# Stops a private server with SIGSTOP: it still accepts connections (the kernel does) and never answers, as a hung store does. #>
    & kill -STOP $S3.Process.Id
    if ($LASTEXITCODE -ne 0) { throw "kill -STOP $($S3.Process.Id) failed." }
}

function Resume-PrivateS3([Parameter(Mandatory)] $S3) {
    <# SIGCONT for a server Suspend-PrivateS3 stopped; harmless on one that runs or has exited. #>
    if (-not $S3.Process.HasExited) { & kill -CONT $S3.Process.Id }
}

function Stop-PrivateS3([Parameter(Mandatory)] $S3) {
    Import-Module (Join-Path $PSScriptRoot '../../build/TestServices.psm1') -Scope Local
    Stop-TestS3 $S3
}

function Invoke-Rclone {
    <#
    rclone, an S3 client independent of the module, against the test server: its remote 'sc:' is configured by
    environment variables, so no file holds the key. Returns its output; fails on a non-zero exit code.
    #>
    param([Parameter(Mandatory)] [string[]] $Arguments, [string] $Endpoint = $env:SCORECARD_TEST_S3_ENDPOINT)
    $variables = @{ RCLONE_CONFIG_SC_TYPE = 's3'; RCLONE_CONFIG_SC_PROVIDER = 'Other'; RCLONE_CONFIG_SC_ENDPOINT = $Endpoint
        RCLONE_CONFIG_SC_ACCESS_KEY_ID = 'S3RVER'; RCLONE_CONFIG_SC_SECRET_ACCESS_KEY = 'S3RVER'; RCLONE_CONFIG_SC_FORCE_PATH_STYLE = 'true'; AWS_CA_BUNDLE = $null }
    $saved = @{}
    foreach ($name in $variables.Keys) { $saved[$name] = [Environment]::GetEnvironmentVariable($name); [Environment]::SetEnvironmentVariable($name, $variables[$name]) }
    try {
        $errors = New-TemporaryFile
        $output = & rclone @Arguments 2>$errors
        if ($LASTEXITCODE -ne 0) { throw "rclone $($Arguments -join ' ') failed ($LASTEXITCODE): $(Get-Content $errors -Raw)" }
        $output
    } finally {
        Remove-Item $errors -ErrorAction SilentlyContinue
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    }
}

Export-ModuleMember -Function *
