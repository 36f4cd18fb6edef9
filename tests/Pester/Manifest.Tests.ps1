BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ManifestPath = Get-TestModulePath
    $script:ModuleDir = Split-Path $ManifestPath
    $script:Manifest = Import-PowerShellDataFile $ManifestPath
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

    It 'requires PowerShell 7.4 on the Core edition' {
        $Manifest.PowerShellVersion | Should -Be '7.4'
        $Manifest.CompatiblePSEditions | Should -Be @('Core')
    }

    It 'exports exactly the cmdlets the dll defines, by explicit name' {
        $Manifest.CmdletsToExport | Should -Not -Contain '*'
        $defined = [System.Reflection.Assembly]::LoadFrom((Join-Path $ModuleDir 'SalesScorecard.PowerShell.dll')).GetExportedTypes() |
            ForEach-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } |
            ForEach-Object { '{0}-{1}' -f $_.VerbName, $_.NounName }
        @($Manifest.CmdletsToExport | Sort-Object) | Should -Be @($defined | Sort-Object)
        $Manifest.FunctionsToExport | Should -BeNullOrEmpty
        $Manifest.AliasesToExport | Should -BeNullOrEmpty
    }

    It 'ships its dependencies but never System.Management.Automation.dll' {
        Join-Path $ModuleDir 'System.Management.Automation.dll' | Should -Not -Exist
        Join-Path $ModuleDir 'Npgsql.dll' | Should -Exist
        Join-Path $ModuleDir 'SalesScorecard.Core.dll' | Should -Exist
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
        $core = [System.Reflection.AssemblyName]::GetAssemblyName((Join-Path $ModuleDir 'SalesScorecard.Core.dll'))
        $references = [System.Reflection.Metadata.MetadataReaderProvider]
        $bytes = [System.IO.File]::ReadAllBytes((Join-Path $ModuleDir 'SalesScorecard.Core.dll'))
        $peReader = [System.Reflection.PortableExecutable.PEReader]::new([System.IO.MemoryStream]::new($bytes))
        try {
            $reader = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($peReader)
            $names = foreach ($handle in $reader.AssemblyReferences) { $reader.GetString($reader.GetAssemblyReference($handle).Name) }
        } finally { $peReader.Dispose() }
        $core.Name | Should -Be 'SalesScorecard.Core'
        $names | Should -Contain 'Npgsql'
        $names | Should -Not -Contain 'System.Management.Automation'
    }

    It 'has a format view for every output type' {
        Import-Module $ManifestPath -Force
        foreach ($type in 'SalesScorecard.ConfigSetting', 'SalesScorecard.DatabaseInfo') {
            Get-FormatData -TypeName $type | Should -Not -BeNullOrEmpty -Because "$type needs a view"
        }
    }
}
