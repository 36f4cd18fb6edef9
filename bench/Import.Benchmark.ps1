<#
.SYNOPSIS
Measures what importing SalesScorecard adds to pwsh's start: median wall time of 'pwsh -NoProfile -Command exit'
against the same with Import-Module, alternating in one run. Goal: under 300 ms on top of pwsh's own start.
Run after ./build.ps1: dotnet pwsh ./bench/Import.Benchmark.ps1 [-Runs 9]
#>
param([int] $Runs = 9)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../build/TestServices.psm1') -Force
$manifest = Join-Path $PSScriptRoot '../out/SalesScorecard/SalesScorecard.psd1' | Resolve-Path
$pwsh = Get-PwshCommand
$rest = @($pwsh | Select-Object -Skip 1)

function Measure-Start([string] $Command) {
    $watch = [Diagnostics.Stopwatch]::StartNew()
    & $pwsh[0] @rest -NoProfile -NonInteractive -Command $Command | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "pwsh -Command '$Command' failed." }
    $watch.Elapsed.TotalMilliseconds
}

function Get-Median([double[]] $Values) {
    $sorted = $Values | Sort-Object
    $middle = [math]::Floor($sorted.Count / 2)
    $sorted.Count % 2 ? $sorted[$middle] : ($sorted[$middle - 1] + $sorted[$middle]) / 2
}

# Import-Module alone defers loading the assembly's dependencies; Get-Command forces the cmdlet dll to be read.
$withImport = "Import-Module '$manifest'; Get-Command -Module SalesScorecard | Out-Null; exit 0"
Measure-Start 'exit 0' | Out-Null   # warm the disk cache for both
$baseline = [System.Collections.Generic.List[double]]::new()
$imported = [System.Collections.Generic.List[double]]::new()
for ($i = 0; $i -lt $Runs; $i++) {
    $baseline.Add((Measure-Start 'exit 0'))
    $imported.Add((Measure-Start $withImport))
}
$base = Get-Median $baseline
$with = Get-Median $imported
[pscustomobject]@{
    Runs               = $Runs
    PwshStartMs        = [math]::Round($base)
    PwshWithImportMs   = [math]::Round($with)
    ImportCostMs       = [math]::Round($with - $base)
    Ratio              = [math]::Round($with / $base, 3)
} | Format-List
