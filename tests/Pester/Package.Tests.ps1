# The package build.ps1 -Task Package made (the Test task makes it first): published to a local file repository,
# installed back from it, and used.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Package = $env:SCORECARD_TEST_PACKAGE
    $script:Root = New-TestFolder
    $script:Version = (Import-PowerShellDataFile (Get-TestModulePath)).ModuleVersion
}

AfterAll { Remove-Item -Recurse -Force $Root -ErrorAction SilentlyContinue }

Describe 'The PowerShell Gallery package' {
    It 'is named after the version and carries the gallery metadata' {
        $Package | Should -Exist
        Split-Path -Leaf $Package | Should -Be "SalesScorecard.$Version.nupkg"
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [System.IO.Compression.ZipFile]::OpenRead($Package)
        try {
            $reader = [IO.StreamReader]::new(($zip.Entries | Where-Object FullName -eq 'SalesScorecard.nuspec').Open())
            [xml]$nuspec = $reader.ReadToEnd()
            $reader.Dispose()
            $entries = $zip.Entries.FullName
        } finally { $zip.Dispose() }
        $metadata = $nuspec.package.metadata
        $metadata.id | Should -Be 'SalesScorecard'
        $metadata.version | Should -Be $Version
        $metadata.description | Should -Match 'backups'
        $metadata.licenseUrl | Should -Not -BeNullOrEmpty
        $metadata.tags | Should -Match 'PostgreSQL'
        $metadata.releaseNotes | Should -Match 'Verified backups'
        $entries | Should -Contain 'en-US/SalesScorecard.PowerShell.dll-Help.xml'
        $entries | Should -Not -Contain 'System.Management.Automation.dll'
        # The module's own load context reads bin/: Core, its deps.json and every library it uses.
        $entries | Should -Contain 'SalesScorecard.LoadContext.dll'
        $entries | Should -Contain 'bin/SalesScorecard.Core.dll'
        $entries | Should -Contain 'bin/SalesScorecard.Core.deps.json'
        $entries | Should -Contain 'bin/Npgsql.dll'
        $entries | Should -Contain 'bin/AWSSDK.S3.dll'
        # The unit tests build with the solution; neither they nor their runner may ship.
        $entries | Where-Object { $_ -match '(^|/)(SalesScorecard\.Core\.Tests|xunit|testhost|Microsoft\.TestPlatform|Microsoft\.VisualStudio\.TestPlatform)' } | Should -BeNullOrEmpty
    }

    It 'is found by Find-PSResource -CommandName for each cmdlet it exports, tagged for the Core edition' {
        $repository = Join-Path $Root 'by-command'
        New-Item -ItemType Directory $repository | Out-Null
        Copy-Item $Package $repository
        $name = 'ScorecardByCommand' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        Register-PSResourceRepository -Name $name -Uri $repository -Trusted
        try {
            $cmdlets = (Import-PowerShellDataFile (Get-TestModulePath)).CmdletsToExport
            foreach ($cmdlet in $cmdlets) {
                (Find-PSResource -CommandName $cmdlet -Repository $name).ParentResource.Name | Should -Be 'SalesScorecard' -Because "$cmdlet is in it"
            }
            (Find-PSResource -Name SalesScorecard -Repository $name).Tags | Should -Contain 'PSEdition_Core'
        } finally { Unregister-PSResourceRepository -Name $name }
    }

    It 'publishes to a file repository with Publish-PSResource, installs back, imports and runs' {
        $source = Join-Path $Root 'source'
        $gallery = Join-Path $Root 'gallery'
        $installed = Join-Path $Root 'installed'
        New-Item -ItemType Directory $source, $gallery, $installed, (Join-Path $Root 'unpacked') | Out-Null
        $sourceName = 'ScorecardSource' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        $galleryName = 'ScorecardGallery' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        Copy-Item $Package $source
        Register-PSResourceRepository -Name $sourceName -Uri $source -Trusted
        Register-PSResourceRepository -Name $galleryName -Uri $gallery -Trusted
        try {
            Save-PSResource -Name SalesScorecard -Repository $sourceName -Path (Join-Path $Root 'unpacked') -TrustRepository -SkipDependencyCheck
            Publish-PSResource -Path (Join-Path $Root "unpacked/SalesScorecard/$Version") -Repository $galleryName -SkipDependenciesCheck
            Get-ChildItem $gallery -Filter '*.nupkg' | Should -Not -BeNullOrEmpty
            Save-PSResource -Name SalesScorecard -Repository $galleryName -Path $installed -TrustRepository -SkipDependencyCheck
        } finally {
            Unregister-PSResourceRepository -Name $sourceName, $galleryName
        }
        $manifest = Join-Path $installed "SalesScorecard/$Version/SalesScorecard.psd1"
        $manifest | Should -Exist
        # A fresh pwsh: this one has the build's copy of the same assemblies loaded.
        Import-Module (Join-Path $PSScriptRoot '../../build/TestServices.psm1') -Force
        $pwsh = Get-PwshCommand
        $rest = @($pwsh | Select-Object -Skip 1)
        $output = & $pwsh[0] @rest -NoProfile -NonInteractive -Command "Import-Module '$manifest'; (Get-Module SalesScorecard).ModuleBase; (Get-ScorecardConfig).Count"
        $LASTEXITCODE | Should -Be 0
        $output[0] | Should -Be (Split-Path $manifest)
        [int]$output[-1] | Should -BeGreaterThan 10
    }
}
