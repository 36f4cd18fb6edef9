<#
.SYNOPSIS
Times Invoke-ScorecardBackup against plain 'pg_dump -Fc' on the fixture at a given scale, alternating in one run.

.DESCRIPTION
Starts a private PostgreSQL cluster (as the tests do), loads tests/fixtures at -Scale (1,437 rows per unit: 350 is about
0.5M rows, 3500 about 5M), then runs each command -Runs times, alternating. Both run in a fresh pwsh that imports the
module, so start-up costs the same on both sides. Prints the median wall time of each, the ratio, and the peak memory
(max RSS, from GNU time) of the pwsh process. Goals: ratio <= 1.15, and our peak memory flat across scales.
Run after ./build.ps1:  dotnet pwsh ./bench/Backup.Benchmark.ps1 -Scale 350
#>
param([int] $Scale = 350, [int] $Runs = 3)
$ErrorActionPreference = 'Stop'
$repo = Resolve-Path (Join-Path $PSScriptRoot '..')
$manifest = Join-Path $repo 'out/SalesScorecard/SalesScorecard.psd1'
if (-not (Test-Path $manifest)) { throw 'Build first: dotnet pwsh ./build.ps1' }
if (-not (Test-Path /usr/bin/time)) { throw 'GNU time is needed for peak memory: apt-get install time' }
Import-Module (Join-Path $repo 'build/TestServices.psm1') -Force

$pwsh = Get-PwshCommand

function Measure-Run([string] $Script) {
    $stats = New-TemporaryFile
    $watch = [Diagnostics.Stopwatch]::StartNew()
    & /usr/bin/time -f '%M' -o $stats.FullName @pwsh -NoProfile -NonInteractive -Command $Script | Out-Null
    $seconds = $watch.Elapsed.TotalSeconds
    if ($LASTEXITCODE -ne 0) { throw "Failed: $Script" }
    $peakKb = [long](Get-Content $stats.FullName | Select-Object -Last 1)
    Remove-Item $stats
    [pscustomobject]@{ Seconds = $seconds; PeakMB = $peakKb / 1024 }
}

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    $middle = [math]::Floor($sorted.Count / 2)
    $sorted.Count % 2 ? $sorted[$middle] : ($sorted[$middle - 1] + $sorted[$middle]) / 2
}

$work = Join-Path ([IO.Path]::GetTempPath()) ('scorecard-bench-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory $work | Out-Null
$server = Start-TestPostgres -Root ([IO.Path]::GetTempPath())
try {
    $load = [Diagnostics.Stopwatch]::StartNew()
    New-FixtureDatabase -Server $server -Name bench -Scale $Scale -FixtureDir (Join-Path $repo 'tests/fixtures')
    $envFile = Join-Path $work 'bench.env'
    Set-Content $envFile @("DATABASE_URL=$($server.Url -replace '/postgres$', '/bench')", "BACKUP_DIR=$work/backups", 'BACKUP_KEEP_MIN=1', 'BACKUP_RETENTION_DAYS=0')
    $password = [uri]::UnescapeDataString(([uri]($server.Url -replace '^postgresql://', 'http://')).UserInfo.Split(':')[1])
    $passFile = Join-Path $work 'pgpass'
    Set-Content $passFile "*:*:*:postgres:$($password -replace '\\', '\\' -replace ':', '\:')"
    & chmod 0600 $passFile
    $port = $server.Port
    $env:PGPASSFILE = $passFile
    $rows = & (Join-Path $server.BinDir 'psql') -X -At -h 127.0.0.1 -p $port -U postgres -d bench -c 'SELECT sum(n_live_tup) FROM pg_stat_user_tables' 2>$null
    Write-Host ("Fixture at scale {0}: about {1:N0} rows, loaded in {2:0.0} s" -f $Scale, [long]"$rows", $load.Elapsed.TotalSeconds)

    $pgDump = Join-Path $server.BinDir 'pg_dump'
    $plain = "Import-Module '$manifest'; `$env:PGPASSFILE = '$passFile'; & '$pgDump' -Fc -h 127.0.0.1 -p $port -U postgres -d bench -f '$work/plain.dump'; exit `$LASTEXITCODE"
    $ours = "Import-Module '$manifest'; `$env:PG_DUMP_PATH = '$pgDump'; Invoke-ScorecardBackup -EnvFile '$envFile' -ErrorAction Stop | Out-Null"

    $results = @{ Plain = @(); Ours = @() }
    for ($i = 1; $i -le $Runs; $i++) {
        $results.Plain += Measure-Run $plain
        $results.Ours += Measure-Run $ours
        Write-Host ("run {0}: pg_dump {1:0.00} s, Invoke-ScorecardBackup {2:0.00} s" -f $i, $results.Plain[-1].Seconds, $results.Ours[-1].Seconds)
    }
    $plainSeconds = Get-Median $results.Plain.Seconds
    $oursSeconds = Get-Median $results.Ours.Seconds
    [pscustomobject]@{
        Scale                = $Scale
        Rows                 = [long]"$rows"
        Runs                 = $Runs
        PgDumpMedianSeconds  = [math]::Round($plainSeconds, 2)
        BackupMedianSeconds  = [math]::Round($oursSeconds, 2)
        Ratio                = [math]::Round($oursSeconds / $plainSeconds, 3)
        PgDumpPeakMB         = [math]::Round(($results.Plain.PeakMB | Measure-Object -Maximum).Maximum, 1)
        BackupPeakMB         = [math]::Round(($results.Ours.PeakMB | Measure-Object -Maximum).Maximum, 1)
        DumpMB               = [math]::Round((Get-Item "$work/plain.dump").Length / 1MB, 1)
    } | Format-List
} finally {
    Stop-TestPostgres $server
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
