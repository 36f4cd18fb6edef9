BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ManifestPath = Get-TestModulePath
    $script:ModuleDir = Split-Path $ManifestPath
    $script:Manifest = Import-PowerShellDataFile $ManifestPath

    function Get-AssemblyReference([string] $Path) {
        $peReader = [System.Reflection.PortableExecutable.PEReader]::new([System.IO.MemoryStream]::new([System.IO.File]::ReadAllBytes($Path)))
        try {
            $reader = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($peReader)
            foreach ($handle in $reader.AssemblyReferences) { $reader.GetString($reader.GetAssemblyReference($handle).Name) }
        } finally { $peReader.Dispose() }
    }
}

Describe 'The built module' {
    It 'passes Test-ModuleManifest' {
        { Test-ModuleManifest -Path $ManifestPath -ErrorAction Stop } | Should -Not -Throw
    }

    It 'carries the source manifest''s version in its dlls' {
        $version = [version]$Manifest.ModuleVersion
        $assembly = [System.Reflection.AssemblyName]::GetAssemblyName((Join-Path $ModuleDir 'SalesScorecard.PowerShell.dll'))
        $assembly.Version.ToString(3) | Should -Be $version.ToString(3)
    }

    It 'has no HelpInfoUri, as its help is in the box, and its about page says so' {
        $Manifest.Keys | Should -Not -Contain 'HelpInfoUri'
        Get-Content (Join-Path $PSScriptRoot '../../docs/about_SalesScorecard.md') -Raw | Should -Match 'The help is in the box'
    }

    It 'requires PowerShell 7.6, the oldest the suite runs on, on the Core edition' {
        $Manifest.PowerShellVersion | Should -Be '7.6'
        $Manifest.CompatiblePSEditions | Should -Be @('Core')
    }

    It 'exports exactly the cmdlets the dll defines, by explicit name' {
        $Manifest.CmdletsToExport | Should -Not -Contain '*'
        Import-Module $ManifestPath   # the cmdlets' types name Core's, which the module's load context supplies
        $defined = [System.Reflection.Assembly]::LoadFrom((Join-Path $ModuleDir 'SalesScorecard.PowerShell.dll')).GetExportedTypes() |
            ForEach-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } |
            ForEach-Object { '{0}-{1}' -f $_.VerbName, $_.NounName }
        @($Manifest.CmdletsToExport | Sort-Object) | Should -Be @($defined | Sort-Object)
        $Manifest.FunctionsToExport | Should -BeNullOrEmpty
        $Manifest.AliasesToExport | Should -BeNullOrEmpty
    }

    It 'ships Core and its dependencies in bin/, beside only its two entry dlls, but never System.Management.Automation.dll' {
        Get-ChildItem $ModuleDir -Recurse -Filter 'System.Management.Automation.dll' | Should -BeNullOrEmpty
        (Get-ChildItem $ModuleDir -Filter '*.dll').Name | Sort-Object | Should -Be @('SalesScorecard.LoadContext.dll', 'SalesScorecard.PowerShell.dll')
        Join-Path $ModuleDir 'bin/Npgsql.dll' | Should -Exist
        Join-Path $ModuleDir 'bin/SalesScorecard.Core.dll' | Should -Exist
        Join-Path $ModuleDir 'bin/SalesScorecard.Core.deps.json' | Should -Exist
        Join-Path $ModuleDir 'en-US/SalesScorecard.PowerShell.dll-Help.xml' | Should -Exist
    }

    It 'imports and uses only approved verbs' {
        $module = Import-Module $ManifestPath -Force -PassThru
        $approved = (Get-Verb).Verb
        $commands = Get-Command -Module $module.Name
        $commands | Should -Not -BeNullOrEmpty
        $commands | Where-Object Verb -NotIn $approved | Should -BeNullOrEmpty
    }

    It 'keeps Core free of any PowerShell reference' {
        $core = [System.Reflection.AssemblyName]::GetAssemblyName((Join-Path $ModuleDir 'bin/SalesScorecard.Core.dll'))
        $names = Get-AssemblyReference (Join-Path $ModuleDir 'bin/SalesScorecard.Core.dll')
        $core.Name | Should -Be 'SalesScorecard.Core'
        $names | Should -Contain 'Npgsql'
        $names | Should -Not -Contain 'System.Management.Automation'
    }

    It 'loads no library but .NET, PowerShell and Core into PowerShell''s default load context: <Dll>' -ForEach @(
        @{ Dll = 'SalesScorecard.PowerShell.dll' }
        @{ Dll = 'SalesScorecard.LoadContext.dll' }
    ) {
        # A cmdlet that named an Npgsql or MimeKit type would load that library beside another module's copy.
        Get-AssemblyReference (Join-Path $ModuleDir $Dll) | Where-Object { $_ -notmatch '^(System(\..+)?|SalesScorecard\.Core)$' } |
            Should -BeNullOrEmpty
    }

    It 'has a format view for every output type' {
        Import-Module $ManifestPath -Force
        foreach ($type in 'SalesScorecard.ConfigSetting', 'SalesScorecard.DatabaseInfo') {
            Get-FormatData -TypeName $type | Should -Not -BeNullOrEmpty -Because "$type needs a view"
        }
    }
}
