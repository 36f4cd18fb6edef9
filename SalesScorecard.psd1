@{
    RootModule             = 'SalesScorecard.PowerShell.dll'
    # Imported before RootModule: it loads Core and its libraries (bin/) into the module's own load context.
    NestedModules          = @('SalesScorecard.LoadContext.dll')
    ModuleVersion          = '0.1.0'
    CompatiblePSEditions   = @('Core')
    GUID                   = '5b0f7f0e-3c52-4d3a-9a43-8c3d2f6f1e27'
    Author                 = 'SalesScorecard'
    CompanyName            = 'SalesScorecard'
    Copyright              = '(c) SalesScorecard. MIT License.'
    Description            = 'Verified PostgreSQL backups, notifications, SMTP diagnosis and user administration for the Sales Scorecard platform.'
    # The oldest PowerShell the test suite runs on, and the first on .NET 10, which the assemblies are built for. Npgsql 10
    # and MailKit 4.18 need System.Diagnostics.DiagnosticSource 9 and System.Formats.Asn1 10, newer than PowerShell 7.4's.
    PowerShellVersion      = '7.6'
    FormatsToProcess       = @('SalesScorecard.format.ps1xml')
    FunctionsToExport      = @()
    CmdletsToExport        = @(
        'Disable-ScorecardUser'
        'Enable-ScorecardUser'
        'Export-ScorecardBackupReport'
        'Get-ScorecardBackup'
        'Get-ScorecardBackupHistory'
        'Get-ScorecardBackupSchedule'
        'Get-ScorecardConfig'
        'Get-ScorecardUser'
        'Invoke-ScorecardBackup'
        'Lock-ScorecardBackup'
        'New-ScorecardBackupKey'
        'New-ScorecardUser'
        'Register-ScorecardBackupSchedule'
        'Send-BackupNotification'
        'Set-ScorecardUser'
        'Restore-ScorecardBackup'
        'Test-ScorecardBackup'
        'Test-ScorecardDatabase'
        'Test-ScorecardHealth'
        'Test-SmtpSettings'
        'Unlock-ScorecardBackup'
        'Unregister-ScorecardBackupSchedule'
    )
    VariablesToExport      = @()
    AliasesToExport        = @()
    PrivateData            = @{
        PSData = @{
            Tags         = @('SalesScorecard', 'PostgreSQL', 'Backup', 'pg_dump', 'MailKit', 'Linux', 'Windows')
            LicenseUri   = 'https://opensource.org/license/mit'
            # No ProjectUri and no HelpInfoUri: the project has no public site, and the help ships in the module (en-US).
            # build.ps1 -Task Package adds the tags the Gallery finds a module by: PSEdition_Core, PSCmdlet_ and PSCommand_.
            ReleaseNotes = 'See CHANGELOG.md.'
        }
    }
}
