<#
.SYNOPSIS
Times a backup with an offsite copy, and one streamed straight to the store, against the same backup without offsite,
in one run, on two fixture sizes; and shows pwsh's peak memory does not grow with the archive.

.DESCRIPTION
Starts a private PostgreSQL cluster and s3rver (as the tests do). For each scale in -Scales it loads tests/fixtures at
that scale (1,437 rows per unit: 300 is about 0.43M rows, 3000 about 4.3M), runs VACUUM ANALYZE, then runs each variant
-Runs times, alternating:
  local      Invoke-ScorecardBackup as shipped, to a local folder, no offsite copy (the baseline);
  +offsite   the same with BACKUP_S3_URL: the verified backup is then copied to s3rver and every object read back;
  direct     -Destination s3://...: streamed to s3rver with no local copy, read back.
Every run is a fresh pwsh that imports the module. Prints per scale and variant the median wall seconds, the ratio to
local (goal for +offsite: <= 1.3 at ~4.3M rows), the stored archive's size and PwshPeakMB, the largest VmHWM of the
pwsh process (goal: flat across scales, since uploads stream through two 16 MiB parts whatever the archive's size).
s3rver writes what it receives to the same disk: on a real store the copy costs network time instead.
Run after ./build.ps1:  dotnet pwsh ./bench/Offsite.Benchmark.ps1 [-Scales 300,3000] [-Runs 3]
#>
param([string[]] $Scales = @('300', '3000'), [int] $Runs = 3)
$ErrorActionPreference = 'Stop'
# From the command line '-Scales 300,3000' arrives as one string.
$Scales = @($Scales -split ',' | ForEach-Object { [int]$_.Trim() })
$repo = Resolve-Path (Join-Path $PSScriptRoot '..')
$manifest = Join-Path $repo 'out/SalesScorecard/SalesScorecard.psd1'
if (-not (Test-Path $manifest)) { throw 'Build first: dotnet pwsh ./build.ps1' }
if (-not (Test-Path /proc/self/status)) { throw 'This benchmark reads peak memory from /proc; run it on Linux.' }
Import-Module (Join-Path $repo 'build/TestServices.psm1') -Force
$pwsh = Get-PwshCommand

# Appended to every run's script: pwsh's own peak resident memory, in kB.
$peakMemory = @'
Set-Content -LiteralPath $env:BENCH_STATS -Value (Select-String -Path /proc/self/status -Pattern '^VmHWM:\s+(\d+)').Matches[0].Groups[1].Value
'@

function Measure-Backup([string] $Script) {
    $stats = New-TemporaryFile
    $env:BENCH_STATS = $stats.FullName
    $watch = [Diagnostics.Stopwatch]::StartNew()
    & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command "$Script`n$peakMemory" | Out-Null
    $seconds = $watch.Elapsed.TotalSeconds
    if ($LASTEXITCODE -ne 0) { throw "Failed: $Script" }
    $peakKb = Get-Content $stats.FullName
    Remove-Item $stats
    [pscustomobject]@{ Seconds = $seconds; PwshPeakMB = [long]$peakKb / 1024 }
}

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    $middle = [math]::Floor($sorted.Count / 2)
    $sorted.Count % 2 ? $sorted[$middle] : ($sorted[$middle - 1] + $sorted[$middle]) / 2
}

$work = Join-Path ([IO.Path]::GetTempPath()) ('scorecard-bench-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory $work | Out-Null
$server = Start-TestPostgres -Root ([IO.Path]::GetTempPath())
$s3 = $null
try {
    $s3 = Start-TestS3 -Root ([IO.Path]::GetTempPath())
    $pgDump = Join-Path $server.BinDir 'pg_dump'
    $databaseUrl = $server.Url -replace '/postgres$', '/bench'
    # s3rver's one key pair; the settings travel in .env files, never in a command line.
    $store = @("BACKUP_S3_ENDPOINT=$($s3.Endpoint)", 'AWS_ACCESS_KEY_ID=S3RVER', 'AWS_SECRET_ACCESS_KEY=S3RVER')
    function New-Variant([string] $Name, [string] $Folder, [string[]] $Settings) {
        $envFile = Join-Path $work "$Name.env"
        # Retention keeps one backup on each side, so that repeated runs do not fill the disk or the store.
        Set-Content $envFile (@("DATABASE_URL=$databaseUrl", "BACKUP_DIR=$Folder", 'BACKUP_KEEP_MIN=1', 'BACKUP_RETENTION_DAYS=0') + $Settings)
        [pscustomobject]@{
            Name   = $Name
            Script = "Import-Module '$manifest'; `$env:PG_DUMP_PATH = '$pgDump'; `$env:XDG_STATE_HOME = '$work/state'; " +
                "Invoke-ScorecardBackup -EnvFile '$envFile' -ErrorAction Stop | ForEach-Object { Set-Content '$work/$Name.size' `$_.Size }"
        }
    }
    $variants = @(
        New-Variant 'local' (Join-Path $work 'local') @()
        New-Variant '+offsite' (Join-Path $work 'offsite') ($store + "BACKUP_S3_URL=s3://$($s3.Bucket)/copies")
        New-Variant 'direct' "s3://$($s3.Bucket)/direct" $store
    )

    $table = foreach ($scale in $Scales) {
        $load = [Diagnostics.Stopwatch]::StartNew()
        New-FixtureDatabase -Server $server -Name bench -Scale $scale -FixtureDir (Join-Path $repo 'tests/fixtures') | Out-Null
        Invoke-Psql $server 'bench' @('-c', 'VACUUM ANALYZE') | Out-Null
        $rows = (Invoke-Psql $server 'bench' @('-X', '-At', '-c', 'SELECT sum(n_live_tup) FROM pg_stat_user_tables')) | Select-Object -Last 1
        Write-Host ("Scale {0}: {1:N0} rows, loaded and vacuumed in {2:0.0} s; {3} cores" -f $scale, [long]"$rows", $load.Elapsed.TotalSeconds, [Environment]::ProcessorCount)
        $results = [ordered]@{}
        foreach ($variant in $variants) { $results[$variant.Name] = @() }
        for ($i = 1; $i -le $Runs; $i++) {
            $line = foreach ($variant in $variants) {
                $run = Measure-Backup $variant.Script
                $results[$variant.Name] += $run
                '{0} {1:0.00} s' -f $variant.Name, $run.Seconds
            }
            Write-Host ("  run {0}: {1}" -f $i, ($line -join ', '))
        }

        $baseSeconds = Get-Median $results['local'].Seconds
        foreach ($name in $results.Keys) {
            $seconds = Get-Median $results[$name].Seconds
            [pscustomobject]@{
                Scale      = $scale
                Rows       = [long]"$rows"
                Variant    = $name
                WallS      = [math]::Round($seconds, 2)
                WallRatio  = [math]::Round($seconds / $baseSeconds, 3)
                Stored     = Get-Content (Join-Path $work "$name.size")
                PwshPeakMB = [math]::Round(($results[$name].PwshPeakMB | Measure-Object -Maximum).Maximum, 1)
            }
        }
    }

    Write-Host ("{0} runs each, medians; ratio to 'local' (the same backup without offsite) in the same run" -f $Runs)
    $table | Format-Table -Property Scale, Rows, Variant, WallS, WallRatio, Stored, PwshPeakMB | Out-String -Width 200 | Write-Host
    $largest = $table | Where-Object Scale -eq ($Scales | Measure-Object -Maximum).Maximum
    Write-Host ('At scale {0}: +offsite / local = {1:0.000}, direct / local = {2:0.000} (goal for +offsite: <= 1.3)' -f
        $largest[0].Scale, ($largest | Where-Object Variant -eq '+offsite').WallRatio, ($largest | Where-Object Variant -eq 'direct').WallRatio)
    foreach ($name in $variants.Name) {
        Write-Host ('PwshPeakMB of {0} by scale: {1} (goal: flat)' -f $name, (($table | Where-Object Variant -eq $name | ForEach-Object { '{0}: {1}' -f $_.Scale, $_.PwshPeakMB }) -join ', '))
    }
} finally {
    if ($s3) { Stop-TestS3 $s3 }
    Stop-TestPostgres $server
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
