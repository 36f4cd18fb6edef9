<#
.SYNOPSIS
Test-ScorecardHealth's checks as Pester tests, for CI and monitoring: one test case per check. A Failed check fails its
test; a Warning passes and says what it found, or fails too with -Data @{ Strict = $true }.

.EXAMPLE
$module = (Get-Module SalesScorecard -ListAvailable | Sort-Object Version -Descending | Select-Object -First 1).ModuleBase
$container = New-PesterContainer -Path (Join-Path $module 'SalesScorecard.Health.Tests.ps1') -Data @{ EnvFile = '/opt/sales-scorecard/production-backend/.env' }
Invoke-Pester -Container $container -Output Detailed -CI
#>
param(
    [string] $EnvFile,
    [string] $DatabaseUrl,
    [string] $Destination,
    [switch] $Strict
)

BeforeDiscovery {
    # The module this file ships with, whatever else PSModulePath holds.
    Import-Module (Join-Path $PSScriptRoot 'SalesScorecard.psd1') -Force
    $arguments = @{}
    foreach ($name in 'EnvFile', 'DatabaseUrl', 'Destination') {
        if (Get-Variable $name -ValueOnly -ErrorAction SilentlyContinue) { $arguments[$name] = Get-Variable $name -ValueOnly }
    }

    $script:Checks = @(Test-ScorecardHealth @arguments | ForEach-Object { @{ Name = $_.Name; Status = $_.Status; Found = $_.Found; Action = $_.Action } })
}

Describe 'SalesScorecard health' {
    # Discovery that found no check would otherwise be a green run of nothing.
    It 'has checks to run' -TestCases @(@{ Count = $Checks.Count }) {
        $Count | Should -BeGreaterThan 0
    }

    It '<Name>' -ForEach $Checks {
        Write-Host "$Name $Status`: $Found"
        $Status | Should -Not -Be 'Failed' -Because "$Found $Action"
        if ($Strict) { $Status | Should -Be 'Passed' -Because "$Found $Action" }
    }
}
