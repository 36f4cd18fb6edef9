# SalesScorecard in a session that also holds other versions of its libraries, as SimplySql (Npgsql) or Mailozaurr
# (MailKit/MimeKit) bring: each order runs in a fresh pwsh, with the older versions build/TestTools.proj restored.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../build/TestServices.psm1') -Function Get-PwshCommand -Force
    $script:Root = New-TestFolder
    $script:Database = New-TestDatabase

    # Runs in the child pwsh. The secrets come from the environment it inherits, never from its command line.
    $script:ChildScript = Join-Path $Root 'Use-BothVersions.ps1'
    Set-Content -Path $ChildScript -Value {
        param([string] $Order, [string] $Database, [string] $Destination, [string] $KeyPath, [string] $OtherTo, [string] $ModuleTo)
        $ErrorActionPreference = 'Stop'
        Import-Module (Join-Path $env:ISOLATION_TESTS 'TestHelpers.psm1')
        $packages = $env:SCORECARD_TEST_NUGET_PACKAGES
        $result = [ordered]@{}

        function Use-OtherVersions {
            # The order a module that ships them would load them in: dependencies first.
            foreach ($file in 'microsoft.extensions.logging.abstractions/8.0.0/lib/net8.0/Microsoft.Extensions.Logging.Abstractions.dll',
                'npgsql/8.0.5/lib/net8.0/Npgsql.dll', 'bouncycastle.cryptography/2.4.0/lib/net6.0/BouncyCastle.Cryptography.dll',
                'mimekit/4.18.0/lib/net8.0/MimeKit.dll', 'mailkit/4.2.0/lib/net6.0/MailKit.dll') {
                Add-Type -Path (Join-Path $packages $file)
            }
            $uri = [uri]((Get-TestServerUrl) -replace '^postgres(ql)?://', 'http://')
            $builder = [Npgsql.NpgsqlConnectionStringBuilder]::new()
            $builder.Host = $uri.Host; $builder.Port = $uri.Port; $builder.Database = $Database; $builder.Pooling = $false
            $builder.Username = 'postgres'; $builder.Password = Get-TestServerPassword
            $connection = [Npgsql.NpgsqlConnection]::new($builder.ConnectionString)
            try {
                $connection.Open()
                $command = $connection.CreateCommand()
                $command.CommandText = 'SELECT 1'
                $result.OtherSelect = $command.ExecuteScalar()
            } finally { $connection.Dispose() }

            $message = [MimeKit.MimeMessage]::new()
            $message.From.Add([MimeKit.MailboxAddress]::Parse('other-module@example.org'))
            $message.To.Add([MimeKit.MailboxAddress]::Parse($OtherTo))
            $message.Subject = 'Sent by the other MailKit'
            $body = [MimeKit.BodyBuilder]::new()
            $body.TextBody = 'hello'
            $body.HtmlBody = '<p>hello</p>'
            $message.Body = $body.ToMessageBody()
            $client = [MailKit.Net.Smtp.SmtpClient]::new()
            try {
                $client.ServerCertificateValidationCallback = { $args[1].GetCertHashString('SHA256') -eq $env:SCORECARD_TEST_SMTP_CERT_SHA256 }
                $client.Connect($env:SCORECARD_TEST_SMTP_HOST, [int]$env:SCORECARD_TEST_SMTP_PORT, [MailKit.Security.SecureSocketOptions]::StartTls)
                $client.Authenticate($env:SCORECARD_TEST_SMTP_USER, $env:SCORECARD_TEST_SMTP_PASS)
                $null = $client.Send($message)
                $client.Disconnect($true)
            } finally { $client.Dispose() }
            $result.OtherNpgsql = [Npgsql.NpgsqlConnection].Assembly.GetName().Version.ToString()
            $result.OtherMailKit = [MailKit.Net.Smtp.SmtpClient].Assembly.GetName().Version.ToString()
        }

        function Use-SalesScorecard {
            Import-Module $env:SCORECARD_TEST_MODULE
            $env:PG_DUMP_PATH = Join-Path $env:SCORECARD_TEST_PG_BIN 'pg_dump'
            # An encrypted backup: BouncyCastle, which MimeKit also brings, does its X25519.
            $env:BACKUP_ENCRYPTION_RECIPIENTS = (New-ScorecardBackupKey -Path $KeyPath).Recipient
            $backup = Invoke-ScorecardBackup -DatabaseUrl (Get-TestDatabaseUrl $Database) -Destination $Destination
            $result.BackupStatus = [string]$backup.Status
            $result.BackupVerified = $backup.Verified
            Set-SmtpEnvironment $ModuleTo
            $result.MailSent = ($backup | Send-BackupNotification -PassThru).Sent
        }

        if ($Order -eq 'OtherVersionsFirst') { Use-OtherVersions; Use-SalesScorecard } else { Use-SalesScorecard; Use-OtherVersions }
        # Which copy of each library the session holds, and in which load context.
        $result.Loaded = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -in 'Npgsql', 'MailKit', 'MimeKit', 'BouncyCastle.Cryptography', 'SalesScorecard.Core', 'System.Diagnostics.DiagnosticSource' } |
            ForEach-Object { '{0} {1} {2}' -f $_.GetName().Name, $_.GetName().Version, [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name } | Sort-Object)
        $result | ConvertTo-Json -Compress
    }.ToString()

    function Invoke-BothVersions([string] $Order) {
        $pwsh = Get-PwshCommand
        $rest = @($pwsh | Select-Object -Skip 1)
        $run = [ordered]@{
            OtherTo  = "other-$([guid]::NewGuid().ToString('N').Substring(0, 10))@example.org"
            ModuleTo = "module-$([guid]::NewGuid().ToString('N').Substring(0, 10))@example.org"
        }
        $env:ISOLATION_TESTS = $PSScriptRoot
        $env:NO_COLOR = '1'   # plain error text for the test report
        try {
            $output = & $pwsh[0] @rest -NoProfile -NonInteractive -File $ChildScript -Order $Order -Database $Database `
                -Destination (Join-Path $Root $Order) -KeyPath (Join-Path $Root "$Order.key") -OtherTo $run.OtherTo -ModuleTo $run.ModuleTo 2>&1
        } finally { $env:ISOLATION_TESTS = $null; $env:NO_COLOR = $null }
        $run.ExitCode = $LASTEXITCODE
        $run.Output = $output -join "`n"
        $run.Result = $LASTEXITCODE -eq 0 ? (@($output)[-1] | ConvertFrom-Json) : $null
        [pscustomobject]$run
    }

    function Wait-Delivered([string] $To) {
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        while (-not ($messages = @(Get-DeliveredMessage -To $To)) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
        $messages
    }
}

AfterAll {
    Remove-TestDatabase $Database
    Remove-Item -Recurse -Force $Root -ErrorAction SilentlyContinue
}

Describe 'Isolation: SalesScorecard beside other versions of Npgsql, MailKit, MimeKit and BouncyCastle in one session' {
    It 'backs up and mails when <Order> loaded, and the other versions keep working' -ForEach @(
        @{ Order = 'OtherVersionsFirst' }
        @{ Order = 'SalesScorecardFirst' }
    ) {
        $run = Invoke-BothVersions $Order
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $result = $run.Result
        $result.OtherSelect | Should -Be 1
        $result.OtherNpgsql | Should -Be '8.0.5.0'
        $result.OtherMailKit | Should -Be '4.2.0.0'
        $result.BackupStatus | Should -Be 'Succeeded'
        $result.BackupVerified | Should -BeTrue
        $result.MailSent | Should -BeTrue
        (Wait-Delivered $run.OtherTo).Subject | Should -Be 'Sent by the other MailKit'
        (Wait-Delivered $run.ModuleTo).Subject | Should -BeLike '✅ Database Backup Successful*'
        # The default load context holds only the other versions; the module's own copies sit in its context.
        @($result.Loaded -like '* Default' -notlike 'System.*') | Should -Be @('BouncyCastle.Cryptography 2.0.0.0 Default',
            'MailKit 4.2.0.0 Default', 'MimeKit 4.18.0.0 Default', 'Npgsql 8.0.5.0 Default')
        # The runtime's own DiagnosticSource serves both (one Activity.Current), not the older copy Npgsql's package brings.
        @($result.Loaded -like 'System.Diagnostics.DiagnosticSource *') | Should -HaveCount 1
        $result.Loaded | Should -Contain "System.Diagnostics.DiagnosticSource $([System.Diagnostics.Activity].Assembly.GetName().Version) Default"
        foreach ($name in 'SalesScorecard.Core', 'Npgsql', 'MailKit', 'MimeKit', 'BouncyCastle.Cryptography') {
            @($result.Loaded -like "$name * SalesScorecard").Count | Should -Be 1 -Because "$name must load once, privately"
        }
    }
}
