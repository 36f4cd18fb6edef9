#Requires -Version 7.4
<#
.SYNOPSIS
Builds, documents, tests and demonstrates the SalesScorecard module.

.DESCRIPTION
Build   compiles the solution and lays the module out in out/SalesScorecard (runs Docs).
Docs    turns docs/*.md (PlatyPS markdown) into out/SalesScorecard/en-US/SalesScorecard.PowerShell.dll-Help.xml.
Test    builds, runs the C# unit tests (tests/SalesScorecard.Core.Tests; -SkipUnitTests leaves them out), starts a
        private PostgreSQL cluster and smtp4dev, runs the Pester suite, stops both, and prints both suites' counts as
        'N passed, N failed' in its last line. Set SCORECARD_TEST_DATABASE_URL to use an existing server instead.
Demo    builds, starts PostgreSQL with the demo data, and runs the module's main job against it.
Package writes out/SalesScorecard.<version>.nupkg for the PowerShell Gallery, release notes from CHANGELOG.md.
Clean   removes out/ and the build output.
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Docs', 'Package', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Pester's -FullNameFilter, to run part of the Pester suite (the unit tests always run in full).
    [string[]] $TestName,

    # Test runs the Pester suite only, without the C# unit tests of tests/SalesScorecard.Core.Tests.
    [switch] $SkipUnitTests
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$RepoRoot = $PSScriptRoot
$OutDir = Join-Path $RepoRoot 'out'
$ModuleDir = Join-Path $OutDir 'SalesScorecard'
$SourceManifest = Join-Path $RepoRoot 'SalesScorecard.psd1'
$FixtureDir = Join-Path $RepoRoot 'tests/fixtures'
# The framework of the PowerShell the module supports (7.6 runs on .NET 10): Directory.Build.props sets it.
$TargetFramework = ([xml](Get-Content (Join-Path $RepoRoot 'Directory.Build.props') -Raw)).Project.PropertyGroup.TargetFramework
Import-Module (Join-Path $RepoRoot 'build/TestServices.psm1') -Force

function Invoke-Native([string] $Program, [string[]] $Arguments) {
    & $Program @Arguments | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "$Program $($Arguments -join ' ') failed with exit code $LASTEXITCODE." }
}

function Get-ModuleVersion { (Import-PowerShellDataFile $SourceManifest).ModuleVersion }

# A child pwsh like this one: the tests and the demo load the module there, so this process never holds the dlls.
function Invoke-Pwsh([string] $Script, [string[]] $Arguments) {
    $pwsh = Get-PwshCommand
    $rest = @($pwsh | Select-Object -Skip 1)
    & $pwsh[0] @rest -NoProfile -NonInteractive -File $Script @Arguments | Out-Host
    $LASTEXITCODE
}

function Invoke-Docs {
    . (Join-Path $RepoRoot 'build/ConvertTo-MamlHelp.ps1')
    $helpDir = Join-Path $ModuleDir 'en-US'
    New-Item -ItemType Directory -Path $helpDir -Force | Out-Null
    $pages = Get-ChildItem (Join-Path $RepoRoot 'docs') -Filter '*-*.md' | Sort-Object Name
    $mamlPath = Join-Path $helpDir 'SalesScorecard.PowerShell.dll-Help.xml'
    if (Get-Module -ListAvailable -Name platyPS) {
        Import-Module platyPS
        New-ExternalHelp -Path $pages.FullName -OutputPath $helpDir -Force | Out-Null
    } else {
        ConvertTo-MamlHelp -MarkdownPath $pages.FullName -OutputPath $mamlPath
    }
    # About topics: Get-Help reads plain text, so the markdown headings become its upper-case section titles.
    foreach ($about in Get-ChildItem (Join-Path $RepoRoot 'docs') -Filter 'about_*.md') {
        $text = (Get-Content $about.FullName -Encoding utf8 | Select-Object -Skip 4) -replace '^#{1,2} ', '' -join [Environment]::NewLine
        Set-Content -Path (Join-Path $helpDir "$($about.BaseName).help.txt") -Value "TOPIC$([Environment]::NewLine)    $($about.BaseName)$([Environment]::NewLine)$([Environment]::NewLine)$text" -Encoding utf8
    }
    Write-Host "Help: $mamlPath ($($pages.Count) commands)"
}

function Invoke-Build {
    $version = Get-ModuleVersion
    Invoke-Native dotnet @('build', (Join-Path $RepoRoot 'SalesScorecard.slnx'), '-c', $Configuration, '-nologo', '-v', 'quiet',
        "-p:Version=$version")
    if (Test-Path $ModuleDir) { Remove-Item -Recurse -Force $ModuleDir }
    New-Item -ItemType Directory -Path $ModuleDir | Out-Null
    # Only the cmdlets and the small assembly that loads the rest sit in the module folder (PowerShell's default load
    # context); Core and all that its publish output holds go to bin/, the module's own load context
    # (src/SalesScorecard.LoadContext).
    foreach ($project in 'SalesScorecard.LoadContext', 'SalesScorecard.PowerShell') {
        $entry = Join-Path $RepoRoot "src/$project/bin/$Configuration/$TargetFramework/$project"
        Copy-Item "$entry.dll" -Destination $ModuleDir
        if ($Configuration -eq 'Debug') { Copy-Item "$entry.pdb" -Destination $ModuleDir }
    }
    $private = Join-Path $ModuleDir 'bin'
    Invoke-Native dotnet @('publish', (Join-Path $RepoRoot 'src/SalesScorecard.Core/SalesScorecard.Core.csproj'), '-c', $Configuration,
        '--no-build', '-nologo', '-v', 'quiet', "-p:Version=$version", '-o', $private)
    if ($Configuration -ne 'Debug') { Get-ChildItem $private -Recurse -Filter '*.pdb' | Remove-Item }
    Copy-Item $SourceManifest, (Join-Path $RepoRoot 'SalesScorecard.format.ps1xml'), (Join-Path $RepoRoot 'SalesScorecard.Health.Tests.ps1') -Destination $ModuleDir
    if (Get-ChildItem $ModuleDir -Recurse -Filter 'System.Management.Automation.dll') {
        throw 'System.Management.Automation.dll must not ship in the module folder.'
    }
    Invoke-Docs
    Write-Host "Module $version laid out in $ModuleDir"
}

# Restores build/TestTools.proj; returns NuGet's package folder, which holds Pester and the libraries Isolation.Tests.ps1 loads.
function Restore-TestTools {
    Invoke-Native dotnet @('restore', (Join-Path $RepoRoot 'build/TestTools.proj'), '-nologo', '-v', 'quiet')
    $packages = $env:NUGET_PACKAGES
    if (-not $packages) {
        $line = & dotnet nuget locals global-packages --list
        $packages = ($line -replace '^global-packages:\s*', '').Trim()
    }
    $packages
}

function Start-Services([switch] $WithSmtp, [switch] $WithS3) {
    $services = [ordered]@{ Postgres = $null; Smtp = $null; S3 = $null }
    try {
        $services.Postgres = if ($env:SCORECARD_TEST_DATABASE_URL) { Get-ExternalPostgres } else { Start-TestPostgres -Root ([IO.Path]::GetTempPath()) }
        if ($WithSmtp) { $services.Smtp = Start-TestSmtp -RepoRoot $RepoRoot -Root ([IO.Path]::GetTempPath()) }
        if ($WithS3) { $services.S3 = Start-TestS3 -Root ([IO.Path]::GetTempPath()) }
    } catch {
        Stop-Services $services
        throw
    }
    $services
}

function Stop-Services($Services) {
    if ($Services.Smtp) { Stop-TestSmtp $Services.Smtp }
    if ($Services.S3) { Stop-TestS3 $Services.S3 }
    if ($Services.Postgres) { Stop-TestPostgres $Services.Postgres }
}

# What the test suite runs besides .NET (build/TestServices.psm1 knows where each comes from); an existing server
# named by SCORECARD_TEST_DATABASE_URL needs only PostgreSQL's client programs.
$TestPrerequisites = @('age', 'zstd', 'rclone', 's3cmd', 'cron', 'chromium', 's3rver')

function Invoke-Test {
    # Before anything is built: a machine that lacks a tool hears so at once, not after the build and the unit tests.
    Install-Prerequisites (@($env:SCORECARD_TEST_DATABASE_URL ? @() : @('postgres')) + $TestPrerequisites)
    $package = Invoke-Package
    $packages = Restore-TestTools
    $pester = Join-Path $packages 'pester/5.7.1/tools/Pester.psd1'
    if (-not (Test-Path $pester)) { throw "Pester 5.7.1 was restored but $pester is missing." }
    $resultFile = Join-Path $OutDir 'test-results.xml'
    $summaryFile = Join-Path $OutDir 'test-summary.json'
    Remove-Item $resultFile, $summaryFile -ErrorAction SilentlyContinue

    # The unit tests first: they take seconds and need no services. A run that leaves no TRX counts as one failure.
    $unit = @{ Passed = 0; Failed = 0 }
    if (-not $SkipUnitTests) {
        $unitResults = Join-Path $OutDir 'unit-tests'
        $trx = Join-Path $unitResults 'unit-tests.trx'
        Remove-Item $trx -ErrorAction SilentlyContinue
        & dotnet test (Join-Path $RepoRoot 'tests/SalesScorecard.Core.Tests/SalesScorecard.Core.Tests.csproj') -c $Configuration -nologo -v quiet `
            --logger 'trx;LogFileName=unit-tests.trx' --results-directory $unitResults | Out-Host
        if (Test-Path $trx) {
            $counters = ([xml](Get-Content $trx -Raw)).TestRun.ResultSummary.Counters
            $unit = @{ Passed = [int]$counters.passed; Failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted }
            Write-Host "Unit tests: $($unit.Passed) passed, $($unit.Failed) failed ($trx)"
        } else {
            $unit.Failed = 1
            Write-Host 'Unit tests: dotnet test left no result file (see its output above).'
        }
    }

    $services = Start-Services -WithSmtp -WithS3
    $variables = @{
        SCORECARD_TEST_DATABASE_URL = $services.Postgres.Url
        SCORECARD_TEST_PG_BIN       = $services.Postgres.BinDir
        SCORECARD_TEST_FIXTURE_DB   = 'scorecard_fixture'
        SCORECARD_TEST_EXTERNAL_SERVER = ($services.Postgres.Kind -eq 'External') ? '1' : $null
        SCORECARD_TEST_MODULE       = Join-Path $ModuleDir 'SalesScorecard.psd1'
        SCORECARD_TEST_PACKAGE      = $package
        SCORECARD_TEST_NUGET_PACKAGES = $packages
        SCORECARD_TEST_SMTP_HOST    = $services.Smtp.Host
        SCORECARD_TEST_SMTP_PORT    = [string]$services.Smtp.SmtpPort
        SCORECARD_TEST_SMTP_API     = $services.Smtp.ApiUrl
        SCORECARD_TEST_SMTP_USER    = $services.Smtp.User
        SCORECARD_TEST_SMTP_PASS    = $services.Smtp.Password
        SCORECARD_TEST_SMTP_CERT    = $services.Smtp.CertificateFile
        SCORECARD_TEST_SMTP_CERT_SHA256 = $services.Smtp.CertificateSha256
        SCORECARD_TEST_S3_ENDPOINT  = $services.S3.Endpoint
        SCORECARD_TEST_S3_BUCKET    = $services.S3.Bucket
        # A zone with a UTC offset and DST changes: upstream's restore moved timestamps by it.
        TZ                          = 'Europe/Sofia'
    }
    $saved = @{}
    try {
        New-FixtureDatabase -Server $services.Postgres -Name 'scorecard_fixture' -FixtureDir $FixtureDir
        foreach ($name in $variables.Keys) { $saved[$name] = [Environment]::GetEnvironmentVariable($name); [Environment]::SetEnvironmentVariable($name, $variables[$name]) }
        $arguments = @('-PesterPath', $pester, '-TestPath', (Join-Path $RepoRoot 'tests/Pester'), '-ResultFile', $resultFile, '-SummaryFile', $summaryFile)
        if ($TestName) { $arguments += @('-FullNameFilter', ($TestName -join ',')) }
        $null = Invoke-Pwsh (Join-Path $RepoRoot "build/Invoke-PesterRun.ps1") $arguments
    } finally {
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        Stop-Services $services
    }
    if (-not (Test-Path $summaryFile)) {
        Write-Host ('{0} passed, {1} failed' -f $unit.Passed, ($unit.Failed + 1))
        throw 'The Pester run ended without a result.'
    }
    $summary = Get-Content $summaryFile -Raw | ConvertFrom-Json
    Write-Host "Results: $resultFile"
    $pesterPassed = [int]$summary.Passed
    $failed = [int]$summary.Failed + [int]$summary.FailedBlocks + [int]$summary.FailedContainers + $unit.Failed
    Write-Host ('{0} passed, {1} failed' -f ($pesterPassed + $unit.Passed), $failed)
    # No Pester test at all means a -TestName that matched nothing: the unit tests alone are not a passing run.
    if ($failed -gt 0 -or $pesterPassed -eq 0) { exit 1 }
}

function Invoke-Demo {
    Install-Prerequisites postgres
    Invoke-Build
    $services = Start-Services -WithSmtp
    try {
        New-FixtureDatabase -Server $services.Postgres -Name 'scorecard_demo' -FixtureDir $FixtureDir
        $demoDir = Join-Path $OutDir 'demo'
        if (Test-Path $demoDir) { Remove-Item -Recurse -Force $demoDir }
        New-Item -ItemType Directory -Path $demoDir -Force | Out-Null
        $envFile = Join-Path $demoDir '.env'
        $url = $services.Postgres.Url -replace '/postgres$', '/scorecard_demo'
        Set-Content -Path $envFile -Value @(
            '# Written by build.ps1 -Task Demo for a throwaway local cluster and a throwaway smtp4dev.'
            "DATABASE_URL=$url"
            "BACKUP_DIR=$(Join-Path $demoDir 'backups')"
            "SMTP_HOST=$($services.Smtp.Host)"
            "SMTP_PORT=$($services.Smtp.SmtpPort)"
            "SMTP_USER=$($services.Smtp.User)"
            "SMTP_PASS=$($services.Smtp.Password)"
            "SMTP_TRUSTED_CERT=$($services.Smtp.CertificateFile)"
            'SMTP_FROM=Sales Scorecard <backups@demo.example>'
            'BACKUP_NOTIFICATION_EMAIL=dba@demo.example'
        )
        if ($IsLinux -or $IsMacOS) { & chmod 0600 $envFile }
        $code = Invoke-Pwsh (Join-Path $RepoRoot 'build/Invoke-Demo.ps1') @('-ModulePath', (Join-Path $ModuleDir 'SalesScorecard.psd1'), '-EnvFile', $envFile,
            '-MailApi', $services.Smtp.ApiUrl, '-MailFolder', $demoDir)
        if ($code -ne 0) { throw "The demo failed (exit code $code)." }
    } finally {
        Stop-Services $services
    }
}

# The CHANGELOG.md section of this version (else Unreleased), for the package's release notes.
function Get-ReleaseNotes([string] $Version) {
    $lines = Get-Content (Join-Path $RepoRoot 'CHANGELOG.md') -Encoding utf8
    $start = [Array]::FindIndex($lines, [Predicate[string]] { param($l) $l -like "## ``[$Version``]*" })
    if ($start -lt 0) { $start = [Array]::FindIndex($lines, [Predicate[string]] { param($l) $l -like '## `[Unreleased`]*' }) }
    if ($start -lt 0) { throw "CHANGELOG.md has no section for $Version." }
    $end = [Array]::FindIndex($lines, $start + 1, [Predicate[string]] { param($l) $l -match '^## |^\[' })
    $end = $end -lt 0 ? $lines.Count : $end
    $notes = $end -gt $start + 1 ? ($lines[($start + 1)..($end - 1)] -join "`n").Trim() : ''
    if (-not $notes) { throw "CHANGELOG.md's section for $Version is empty: say what changed." }
    $notes
}

function Get-GalleryTags([string] $ManifestPath) {
    <# The manifest's tags and those the Gallery finds a module by (Find-PSResource -CommandName), which Publish-PSResource does not add. #>
    $manifest = Import-PowerShellDataFile $ManifestPath
    @($manifest.PrivateData.PSData.Tags) + @($manifest.CompatiblePSEditions | ForEach-Object { "PSEdition_$_" }) + 'PSIncludes_Cmdlet' +
        @($manifest.CmdletsToExport | ForEach-Object { "PSCmdlet_$_"; "PSCommand_$_" })
}

function Invoke-Package {
    Invoke-Build
    $version = Get-ModuleVersion
    $work = Join-Path $OutDir 'package'
    if (Test-Path $work) { Remove-Item -Recurse -Force $work }
    $staging = Join-Path $work 'SalesScorecard'
    $repository = Join-Path $work 'repository'
    New-Item -ItemType Directory -Path $repository -Force | Out-Null
    Copy-Item -Recurse $ModuleDir $staging
    Copy-Item (Join-Path $RepoRoot 'LICENSE'), (Join-Path $RepoRoot 'CHANGELOG.md') -Destination $staging
    $manifestPath = Join-Path $staging 'SalesScorecard.psd1'
    Update-PSModuleManifest -Path $manifestPath -ReleaseNotes (Get-ReleaseNotes $version) -Tags (Get-GalleryTags $manifestPath)

    # A throwaway file repository: Publish-PSResource writes the .nupkg the PowerShell Gallery takes.
    $name = 'SalesScorecardBuild' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    Register-PSResourceRepository -Name $name -Uri $repository -Trusted
    try {
        Publish-PSResource -Path $staging -Repository $name -SkipDependenciesCheck
    } finally {
        Unregister-PSResourceRepository -Name $name
    }
    $package = Join-Path $OutDir "SalesScorecard.$version.nupkg"
    Move-Item (Get-ChildItem $repository -Filter '*.nupkg' | Select-Object -First 1).FullName $package -Force
    Write-Host "Package: $package"
    $package
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Docs' { Invoke-Docs }
    'Test' { Invoke-Test }
    'Demo' { Invoke-Demo }
    'Package' { Invoke-Package | Out-Null }
    'Clean' {
        Remove-Item -Recurse -Force $OutDir -ErrorAction SilentlyContinue
        Get-ChildItem (Join-Path $RepoRoot 'src') -Directory -Recurse -Include bin, obj | Remove-Item -Recurse -Force
    }
}
