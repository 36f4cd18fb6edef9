# The cmdlet conventions of issue 12: pipeline binding of schedules, ObjectNotFound for a plain name, -WhatIf/-Confirm
# that ask exactly what they should (answered by a scripted host), and -Credential for every database connection.
BeforeDiscovery {
    $script:NoCron = -not $IsLinux -or -not (Get-Command crontab -ErrorAction SilentlyContinue)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:SavedEnvironment = Clear-SettingEnvironment
    $script:Root = New-TestFolder
    $script:Database = New-TestDatabase
    $script:Url = Get-TestDatabaseUrl $Database
    $script:Password = Get-TestServerPassword
    # The same database, no password in the URL: the password comes from -Credential only.
    $script:BareUrl = $Url -replace '^(postgres(?:ql)?://[^:@/]+):[^@]*@', '$1@'
    $script:Credential = [pscredential]::new('postgres', (ConvertTo-SecureString $Password -AsPlainText -Force))
    $script:SeedUser = '08d281be-572e-4590-ab5a-199793077bf7'

    function New-Destination { Join-Path $Root ([guid]::NewGuid().ToString('N').Substring(0, 8)) }

    # A PowerShell host whose user answers every confirmation prompt with one choice ('Yes' or 'No'), counting them:
    # the real prompt path (ShouldProcess -> PromptForChoice), without a console.
    if (-not ('ConventionsTests.AnsweringHost' -as [type])) {
        Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace ConventionsTests
{
    public sealed class AnsweringHost : PSHost
    {
        private readonly AnsweringUI _ui;
        private readonly Guid _id = Guid.NewGuid();

        public AnsweringHost(string answer) { _ui = new AnsweringUI(answer); }

        public List<string> Prompts { get { return _ui.Prompts; } }
        public override CultureInfo CurrentCulture { get { return CultureInfo.InvariantCulture; } }
        public override CultureInfo CurrentUICulture { get { return CultureInfo.InvariantCulture; } }
        public override Guid InstanceId { get { return _id; } }
        public override string Name { get { return "AnsweringHost"; } }
        public override PSHostUserInterface UI { get { return _ui; } }
        public override Version Version { get { return new Version(1, 0); } }
        public override void EnterNestedPrompt() { throw new NotSupportedException(); }
        public override void ExitNestedPrompt() { throw new NotSupportedException(); }
        public override void NotifyBeginApplication() { }
        public override void NotifyEndApplication() { }
        public override void SetShouldExit(int exitCode) { }
    }

    public sealed class AnsweringUI : PSHostUserInterface
    {
        private readonly string _answer;

        public AnsweringUI(string answer) { _answer = answer; }

        public List<string> Prompts { get; } = new List<string>();
        public override PSHostRawUserInterface RawUI { get { return null; } }

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            Prompts.Add(message);
            for (var i = 0; i < choices.Count; i++)
            {
                if (choices[i].Label.Replace("&", "") == _answer) { return i; }
            }
            throw new InvalidOperationException("The prompt offers no '" + _answer + "'.");
        }

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) { throw new NotSupportedException(message); }
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) { throw new NotSupportedException(message); }
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) { throw new NotSupportedException(message); }
        public override string ReadLine() { throw new NotSupportedException(); }
        public override SecureString ReadLineAsSecureString() { throw new NotSupportedException(); }
        public override void Write(string value) { }
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) { }
        public override void WriteLine(string value) { }
        public override void WriteErrorLine(string value) { }
        public override void WriteDebugLine(string message) { }
        public override void WriteProgress(long sourceId, ProgressRecord record) { }
        public override void WriteVerboseLine(string message) { }
        public override void WriteWarningLine(string message) { }
    }
}
'@
    }

    # Runs a script in a runspace of the answering host; returns the prompts it saw, the output and the errors.
    function Invoke-Answering([ValidateSet('Yes', 'No')] [string] $Answer, [string] $Script, [object[]] $Arguments = @()) {
        $answering = [ConventionsTests.AnsweringHost]::new($Answer)
        $runspace = [runspacefactory]::CreateRunspace($answering)
        $runspace.Open()
        $shell = [powershell]::Create()
        $shell.Runspace = $runspace
        try {
            $null = $shell.AddCommand('Import-Module').AddArgument((Get-TestModulePath)).AddStatement().AddScript($Script)
            foreach ($argument in $Arguments) { $null = $shell.AddArgument($argument) }
            $output = $shell.Invoke()
            [pscustomobject]@{ Prompts = @($answering.Prompts); Output = @($output); Errors = @($shell.Streams.Error) }
        } finally {
            $shell.Dispose()
            $runspace.Dispose()
        }
    }

    $script:Shared = New-Destination
    $script:SharedBackup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Shared
}

AfterAll {
    Remove-TestDatabase $Database
    Remove-Item -Recurse -Force $Root -ErrorAction SilentlyContinue
    Restore-SettingEnvironment $SavedEnvironment
}

Describe 'Get-ScorecardBackup -Name' {
    It 'writes BackupNotFound (ObjectNotFound, non-terminating) for a plain name that matches nothing' {
        $found = Get-ScorecardBackup -Destination $Shared -Name 'backup-nosuch' -ErrorVariable failures -ErrorAction SilentlyContinue
        $found | Should -BeNullOrEmpty
        @($failures).Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'BackupNotFound,*'
        $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failures[0].TargetObject | Should -Be 'backup-nosuch'
    }

    It 'still returns the names that exist, with one error per name that does not' {
        $found = Get-ScorecardBackup -Destination $Shared -Name 'nosuch-1', $SharedBackup.Name, 'nosuch-2' -ErrorVariable failures -ErrorAction SilentlyContinue
        $found.Name | Should -Be $SharedBackup.Name
        $failures.TargetObject | Should -Be @('nosuch-1', 'nosuch-2')
    }

    It 'stays silent for a wildcard that matches nothing' {
        Get-ScorecardBackup -Destination $Shared -Name 'nosuch*' -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failures | Should -BeNullOrEmpty
    }

    It 'fails with DestinationNotFound (ObjectNotFound) for a folder that does not exist, a typo or an unmounted disk, with or without -Latest' {
        $missing = Join-Path $Shared 'no-such-folder'
        foreach ($call in { Get-ScorecardBackup -Destination $missing -ErrorAction Stop }, { Get-ScorecardBackup -Destination $missing -Latest -ErrorAction Stop }) {
            $err = $call | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'DestinationNotFound,*'
            $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err.Exception.Message | Should -Match ([regex]::Escape($missing))
        }
        Get-ScorecardBackup -Destination (New-Item -ItemType Directory -Path (New-Destination)).FullName -ErrorAction Stop | Should -BeNullOrEmpty -Because 'an empty folder is no error'
    }

    It 'finds a plain name in any case, without an error' {
        (Get-ScorecardBackup -Destination $Shared -Name $SharedBackup.Name.ToUpperInvariant() -ErrorAction Stop).Name | Should -Be $SharedBackup.Name
    }
}

Describe 'Invoke-ScorecardBackup -Confirm asks about retention only when the backup runs' {
    BeforeEach {
        $script:Destination = New-Destination
        $script:Old = foreach ($daysAgo in 50, 45) {
            $backup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination -RetentionDays 10000
            Set-ManifestField $backup.Path { param($m) $m.startedAt = [DateTime]::UtcNow.AddDays(-$daysAgo).ToString('o') }
            $backup.Name
        }
        $script:Before = (Get-ChildItem $Destination -Directory).Name
    }

    It 'asks once, and nothing about expired backups, when the user answers No' {
        $run = Invoke-Answering No 'param($url, $destination) Invoke-ScorecardBackup -DatabaseUrl $url -Destination $destination -RetentionDays 30 -KeepLast 1 -Confirm' $Url, $Destination
        $run.Prompts.Count | Should -Be 1
        $run.Prompts[0] | Should -Match 'Back up the database'
        $run.Output | Should -BeNullOrEmpty
        $run.Errors | Should -BeNullOrEmpty
        (Get-ChildItem $Destination -Directory).Name | Should -Be $Before
    }

    It 'asks about each expired backup after a backup the user accepted, and removes them' {
        $run = Invoke-Answering Yes 'param($url, $destination) Invoke-ScorecardBackup -DatabaseUrl $url -Destination $destination -RetentionDays 30 -KeepLast 1 -Confirm' $Url, $Destination
        $run.Prompts.Count | Should -Be 3
        $run.Prompts[1..2] | ForEach-Object { $_ | Should -Match 'Remove expired backup' }
        $run.Errors | Should -BeNullOrEmpty
        (Get-ChildItem $Destination -Directory).Name | Should -Be @($run.Output[0].Name)
    }
}

Describe 'Test-ScorecardBackup -WhatIf and -Confirm' {
    BeforeAll {
        $script:MailKeys = 'SMTP_HOST', 'SMTP_PORT', 'SMTP_USER', 'SMTP_PASS', 'SMTP_FROM', 'SMTP_SECURITY', 'SMTP_TRUSTED_CERT', 'BACKUP_NOTIFICATION_EMAIL'
        $script:SavedMail = Clear-SettingEnvironment -Names $MailKeys
        $env:SMTP_HOST = $env:SCORECARD_TEST_SMTP_HOST
        $env:SMTP_PORT = $env:SCORECARD_TEST_SMTP_PORT
        $env:SMTP_USER = $env:SCORECARD_TEST_SMTP_USER
        $env:SMTP_PASS = $env:SCORECARD_TEST_SMTP_PASS
        $env:SMTP_TRUSTED_CERT = $env:SCORECARD_TEST_SMTP_CERT
        # Nothing listens there: a drill that ran would fail its RestoreDrill check.
        $script:NowhereUrl = "postgresql://postgres:unused@127.0.0.1:$(Get-UnusedPort)/postgres"

        function New-Recipient { "conv-$([guid]::NewGuid().ToString('N').Substring(0, 10))@example.org" }
    }

    AfterAll { Restore-SettingEnvironment $SavedMail }

    It 'makes no drill database under -WhatIf: it does not connect, and says what it would do' {
        $transcript = Join-Path $Root "whatif-$([guid]::NewGuid().ToString('N')).txt"
        Start-Transcript -Path $transcript | Out-Null
        try { $result = Test-ScorecardBackup -InputObject $SharedBackup -RestoreDrill -DatabaseUrl $NowhereUrl -WhatIf } finally { Stop-Transcript | Out-Null }
        $result.Passed | Should -BeTrue
        $result.Checks.Check | Should -Not -Contain 'RestoreDrill'
        Get-Content $transcript -Raw | Should -Match 'What if: .*"Restore drill: create, restore into and drop" on target "a scratch database on 127\.0\.0\.1'
    }

    It 'runs no drill when the user answers No at -Confirm' {
        $run = Invoke-Answering No 'param($backup, $url) Test-ScorecardBackup -InputObject $backup -RestoreDrill -DatabaseUrl $url -Confirm' $SharedBackup, $NowhereUrl
        $run.Prompts.Count | Should -Be 1
        $run.Prompts[0] | Should -Match 'Restore drill'
        $run.Output[0].Checks.Check | Should -Not -Contain 'RestoreDrill'
        $run.Errors | Should -BeNullOrEmpty
    }

    It 'sends no alert under -WhatIf, and the same call without it does' {
        $whatIf = New-Recipient
        $env:BACKUP_NOTIFICATION_EMAIL = $whatIf
        Test-ScorecardBackup -InputObject $SharedBackup -MaxAge '00:00:01' -Notify -WhatIf -ErrorAction SilentlyContinue | Out-Null
        $real = New-Recipient
        $env:BACKUP_NOTIFICATION_EMAIL = $real
        Test-ScorecardBackup -InputObject $SharedBackup -MaxAge '00:00:01' -Notify -ErrorAction SilentlyContinue | Out-Null
        Wait-Delivered $real | Should -Not -BeNullOrEmpty
        Get-DeliveredMessage -To $whatIf | Should -BeNullOrEmpty
    }

    It 'never prompts the watchdog, even with $ConfirmPreference at Medium' {
        $to = New-Recipient
        $env:BACKUP_NOTIFICATION_EMAIL = $to
        $run = Invoke-Answering No 'param($destination) $ConfirmPreference = ''Medium''; Test-ScorecardBackup -Latest -Destination $destination -MaxAge ''00:00:01'' -Notify' $Shared
        $run.Prompts.Count | Should -Be 0
        $run.Errors[0].FullyQualifiedErrorId | Should -BeLike 'BackupTestFailed,*'
        Wait-Delivered $to | Should -Not -BeNullOrEmpty
    }
}

Describe 'Backup results and settings in files and pipelines and on the terminal' {
    BeforeAll {
        $script:Tested = $SharedBackup | Test-ScorecardBackup
        $script:RestoredInto = 'roundtrip_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $script:Restored = $SharedBackup | Restore-ScorecardBackup -TargetDatabase $RestoredInto -DatabaseUrl $Url -Confirm:$false
        # Any cell of Export-Csv that is a type's name, not a value.
        $script:TypeNameCell = 'System\.Collections|OrderedDictionary|System\.Object\[\]|System\.String\[\]|SalesScorecard\.|List`1'
    }

    AfterAll { Remove-TestDatabase $RestoredInto }

    It 'writes <Kind> to JSON with names for states and seconds for durations, and to CSV with readable cells' -ForEach @(
        @{ Kind = 'a backup'; Get = { $SharedBackup }; Names = @{ Status = 'Succeeded' }; Seconds = 'DurationSeconds' }
        @{ Kind = 'a test result'; Get = { $Tested }; Names = @{} ; Seconds = $null }
        @{ Kind = 'a restore result'; Get = { $Restored }; Names = @{}; Seconds = 'DurationSeconds' }
        @{ Kind = 'a setting'; Get = { Get-ScorecardConfig | Where-Object Name -eq 'SMTP_PORT' }; Names = @{ Source = 'Default' }; Seconds = $null }
    ) {
        $object = & $Get
        $json = $object | ConvertTo-Json -Depth 5 | ConvertFrom-Json
        foreach ($name in $Names.Keys) { $json.$name | Should -Be $Names[$name] }
        if ($Seconds) { $json.$Seconds | Should -BeOfType [double] }
        ($object | ConvertTo-Json -Depth 5) | Should -Not -Match '"Ticks"'
        $csv = ($object | ConvertTo-Csv -NoTypeInformation) -join "`n"
        $csv | Should -Not -Match $TypeNameCell
    }

    It 'keeps the tables, checks and mismatches readable in a CSV cell' {
        $row = $SharedBackup | ConvertTo-Csv -NoTypeInformation | ConvertFrom-Csv
        $row.Tables | Should -Match '(^|; )public\.users=\d+(;|$)'
        ($Tested | ConvertTo-Csv -NoTypeInformation | ConvertFrom-Csv).Checks | Should -Match '^Manifest passed: '
        $SharedBackup.Tables['public.users'] | Should -BeGreaterThan 0 -Because 'the object still indexes by table'
    }

    It 'tests and restores a path piped as a plain string' {
        ($SharedBackup.Path | Test-ScorecardBackup).Passed | Should -BeTrue
        $target = 'bystring_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        try {
            ($SharedBackup.Path | Restore-ScorecardBackup -TargetDatabase $target -DatabaseUrl $Url -Confirm:$false).Passed | Should -BeTrue
        } finally { Remove-TestDatabase $target }
    }

    It 'shows <Kind> in 80 columns without a cut-off column, and more at 120' -ForEach @(
        @{ Kind = 'backups'; Get = { Get-ScorecardBackup -Destination $Shared }; Narrow = '^Name\s+Status\s+Size\s+TotalRows\s+Verified\s+Duration\s*$'; Wide = '\bArchive\s+Pinned\s+Database\s+Error\s*$' }
        @{ Kind = 'settings'; Get = { Get-ScorecardConfig }; Narrow = '^Name\s+Value\s*$'; Wide = '^Name\s+Value\s+Source\s*$' }
        @{ Kind = 'history'; Get = { Get-ScorecardBackupHistory -Destination $Shared -SkipOffsite }; Narrow = '^Name\s+TotalRows\s+Change\s+Size\s+Seconds\s+Offsite\s+Pinned\s*$'; Wide = '\bPinned\s+Anomalies\s*$' }
    ) {
        $objects = & $Get
        $at80 = ($objects | Out-String -Width 80) -split "`r?`n" | Where-Object { $_ }
        $at80[0] | Should -Match $Narrow
        ($at80 | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual 80
        $at120 = ($objects | Out-String -Width 120) -split "`r?`n" | Where-Object { $_ }
        $at120[0] | Should -Match $Wide
        ($at120 | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual 120
    }
}

Describe 'A confirmation that cannot be asked' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../../build/TestServices.psm1') -Function Get-PwshCommand -Force
        $script:Target = 'never_restored_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        # DATABASE_URL in the environment, never on a command line where ps would show its password.
        $script:Restore = "Restore-ScorecardBackup -Path '$($SharedBackup.Path)' -TargetDatabase $Target"
    }

    BeforeEach { $env:DATABASE_URL = $Url }
    AfterEach { $env:DATABASE_URL = $null }

    It 'is ConfirmationRequired, saying to add -Confirm:$false, in pwsh -NonInteractive, and nothing is restored' {
        $pwsh = Get-PwshCommand
        $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command (
            "Import-Module '$(Get-TestModulePath)'; try { $Restore -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId + '|' + `$_.CategoryInfo.Category + '|' + `$_.Exception.Message; exit 1 }")
        $LASTEXITCODE | Should -Be 1
        $id, $category, $message = "$output" -split '\|', 3
        $id | Should -BeLike 'ConfirmationRequired,*'
        $category | Should -Be 'InvalidOperation'
        $message | Should -Match ([regex]::Escape('-Confirm:$false'))
        Test-DatabaseExists $Target | Should -BeFalse
    }

    It 'is ConfirmationRequired in a runspace whose host has no user interface' {
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddScript("Import-Module '$(Get-TestModulePath)'; $Restore")
            $null = $shell.Invoke()
            @($shell.Streams.Error).Count | Should -Be 1
            $shell.Streams.Error[0].FullyQualifiedErrorId | Should -BeLike 'ConfirmationRequired,*'
        } finally { $shell.Dispose() }
        Test-DatabaseExists $Target | Should -BeFalse
    }
}

Describe '-Credential for the database' {
    It 'backs up from a URL without a password, the password given as -Credential, and the password is nowhere' {
        $destination = New-Destination
        $text = Invoke-Capturing { Invoke-ScorecardBackup -DatabaseUrl $BareUrl -Credential $Credential -Destination $destination -Verbose -ErrorAction Stop }
        $backup = Get-ScorecardBackup -Destination $destination -Latest
        $backup.Status | Should -Be 'Succeeded'
        $text | Should -Not -Match ([regex]::Escape($Password))
        foreach ($file in Get-ChildItem $destination -Recurse -File) {
            [IO.File]::ReadAllText($file.FullName) | Should -Not -Match ([regex]::Escape($Password)) -Because $file.Name
        }
        Get-ChildItem $destination -Recurse -Force -Filter '.pgpass-*' | Should -BeNullOrEmpty
    }

    It 'restores, and runs a restore drill, with the password given as -Credential' {
        $target = 'conv_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        try {
            ($SharedBackup | Restore-ScorecardBackup -TargetDatabase $target -DatabaseUrl $BareUrl -Credential $Credential -Confirm:$false).Passed | Should -BeTrue
        } finally { Remove-TestDatabase $target }
        $drill = Test-ScorecardBackup -InputObject $SharedBackup -RestoreDrill -DatabaseUrl $BareUrl -Credential $Credential
        ($drill.Checks | Where-Object Check -eq 'RestoreDrill').Passed | Should -BeTrue
    }

    It 'changes a user and reads the database with the password given as -Credential' {
        $user = Set-ScorecardUser -Identity $SeedUser -DisplayName 'Credential Given' -DatabaseUrl $BareUrl -Credential $Credential -PassThru -Confirm:$false
        $user.DisplayName | Should -Be 'Credential Given'
        (Invoke-TestSql -Database $Database -Sql "SELECT ""displayName"" FROM users WHERE id = '$SeedUser'").displayName | Should -Be 'Credential Given'
        (Get-ScorecardUser -Identity $SeedUser -DatabaseUrl $BareUrl -Credential $Credential).DisplayName | Should -Be 'Credential Given'
        (Test-ScorecardDatabase -DatabaseUrl $BareUrl -Credential $Credential).Database | Should -Be $Database
    }

    It 'overrides the password in DATABASE_URL: a wrong one in -Credential is DatabaseAuthenticationFailed, and never shown' {
        $wrong = 'Wr0ng-' + [guid]::NewGuid().ToString('N')
        $credential = [pscredential]::new('postgres', (ConvertTo-SecureString $wrong -AsPlainText -Force))
        $err = { Test-ScorecardDatabase -DatabaseUrl $Url -Credential $credential -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'DatabaseAuthenticationFailed,*'
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $text = Invoke-Capturing { Set-ScorecardUser -Identity $SeedUser -DisplayName 'Never' -DatabaseUrl $Url -Credential $credential -Verbose -ErrorAction Stop }
        $text | Should -Match 'DatabaseAuthenticationFailed'
        $text | Should -Not -Match $wrong
        $text | Should -Not -Match ([regex]::Escape($Password))
    }

    It 'overrides the user in DATABASE_URL' {
        $credential = [pscredential]::new('conv_nobody', (ConvertTo-SecureString $Password -AsPlainText -Force))
        $err = { Invoke-ScorecardBackup -DatabaseUrl $Url -Credential $credential -Destination (New-Destination) -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'DatabaseAuthenticationFailed,*'
        $err.Exception.Message | Should -Match "user 'conv_nobody'"
    }

    It 'says how to give the password when neither the URL nor -Credential has one' {
        $err = { Test-ScorecardDatabase -DatabaseUrl $BareUrl -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'DatabaseAuthenticationFailed,*'
        $err.Exception.Message | Should -Match '-Credential'
    }
}

Describe 'Get-ScorecardBackupSchedule | Unregister-ScorecardBackupSchedule' -Skip:$NoCron {
    BeforeAll {
        $script:SavedCrontab = & crontab -l 2>$null
        $script:HadCrontab = $LASTEXITCODE -eq 0
        '# the admin''s own line', '0 3 * * 0 /usr/local/bin/rotate-logs' -join "`n" | & crontab -
        $script:Original = (& crontab -l) -join "`n"
        $script:EnvFile = Join-Path $Root 'schedule.env'
        Set-Content -Path $EnvFile -Value "DATABASE_URL=$Url"
        & chmod 0600 $EnvFile
        $script:JobDestination = New-Destination
    }

    AfterAll {
        if ($HadCrontab) { $SavedCrontab -join "`n" | & crontab - } else { & crontab -r 2>$null }
    }

    BeforeEach {
        Register-ScorecardBackupSchedule -Name ConvPipe -EnvFile $EnvFile -Destination $JobDestination -Force | Out-Null
    }

    It 'removes each piped entry once, with no false ScheduleNotFound' {
        $removed = Get-ScorecardBackupSchedule -Name ConvPipe | Unregister-ScorecardBackupSchedule -PassThru -ErrorVariable failures
        $failures | Should -BeNullOrEmpty
        $removed.Kind | Should -Be @('Backup', 'Watchdog')
        (& crontab -l) -join "`n" | Should -Be $Original
    }

    It 'removes only the kind given with -Kind, in any case' {
        $removed = Unregister-ScorecardBackupSchedule -Name ConvPipe -Kind watchdog -PassThru
        $removed.Kind | Should -Be 'Watchdog'
        (Get-ScorecardBackupSchedule -Name ConvPipe).Kind | Should -Be 'Backup'
        $err = { Unregister-ScorecardBackupSchedule -Name ConvPipe -Kind Watchdog -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'ScheduleNotFound,*'
        Unregister-ScorecardBackupSchedule -Name ConvPipe
        (& crontab -l) -join "`n" | Should -Be $Original
    }
}
