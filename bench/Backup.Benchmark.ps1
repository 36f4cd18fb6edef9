<#
.SYNOPSIS
Times Invoke-ScorecardBackup (zstd, zstd + age, other zstd levels) against plain 'pg_dump -Fc' on the fixture at a
given scale, alternating in one run.

.DESCRIPTION
Starts a private PostgreSQL cluster (as the tests do), loads tests/fixtures at -Scale (1,437 rows per unit: 300 is about
0.43M rows, 3000 about 4.3M) and runs VACUUM ANALYZE, so that no run pays for hint bits or autovacuum. Then runs each
variant -Runs times, alternating:
  pg_dump -Fc     the baseline: pg_dump -Fc to a file;
  zstd            Invoke-ScorecardBackup as shipped (BACKUP_COMPRESSION unset: zstd at the default level);
  zstd+age        the same with one age recipient (-Recipient, a key from New-ScorecardBackupKey);
  zstd:N          -Compression zstd:N for every other level in -Levels.
Every variant runs in a fresh pwsh that imports the module, so start-up costs the same on all sides.

Prints the number of cores and rows, and per variant: the median wall seconds and the ratio to the baseline (goal
<= 1.0), the stored file's size and its ratio to the pg_dump -Fc file (goal <= 0.6), peak memory and CPU seconds, and
the encryption overhead (zstd+age / zstd wall, goal <= 1.10). Memory: TreePeakMB is GNU time's %M, the largest RSS of
pwsh and the children it waited for (pg_dump, pg_restore); PwshPeakMB is pwsh's own VmHWM. Goal: at ~4.3M rows within
40 MB of the value at ~0.43M rows. CPU seconds (medians): PwshCpu is pwsh's own user+system time (/proc/self/stat at
the end of the run), ChildCpu that of the programs it waited for (pg_dump, pg_restore: cutime+cstime), TreeCpu GNU
time's %U+%S (both together), ServerCpu the database server's (the postmaster's utime+stime+cutime+cstime plus its live
children, before and after each run; backends that ended in between are in its cutime).
The machine is shared: anything else running at the same time shows up in the wall times, less in the CPU seconds.
Run after ./build.ps1:  dotnet pwsh ./bench/Backup.Benchmark.ps1 -Scale 300 [-Runs 3] [-Levels 1,3]
#>
param([int] $Scale = 300, [int] $Runs = 3, [string[]] $Levels = @('3'))
$ErrorActionPreference = 'Stop'
# From the command line '-Levels 1,3' arrives as one string (and [int[]] would read it as 13).
$Levels = @($Levels -split ',' | ForEach-Object { [int]$_.Trim() })
$repo = Resolve-Path (Join-Path $PSScriptRoot '..')
$manifest = Join-Path $repo 'out/SalesScorecard/SalesScorecard.psd1'
if (-not (Test-Path $manifest)) { throw 'Build first: dotnet pwsh ./build.ps1' }
if (-not (Test-Path /usr/bin/time)) { throw 'GNU time is needed for peak memory and CPU: apt-get install time' }
if (-not (Test-Path /proc/self/stat)) { throw 'This benchmark reads CPU times from /proc; run it on Linux.' }
Import-Module (Join-Path $repo 'build/TestServices.psm1') -Force

$pwsh = Get-PwshCommand
$ticks = [double](& getconf CLK_TCK)
# The level the module uses when BACKUP_COMPRESSION is not set, as the build being measured describes the setting.
Import-Module $manifest
$compression = (Get-ScorecardConfig | Where-Object Name -eq 'BACKUP_COMPRESSION').Description
if ($compression -notmatch '^zstd \(level (\d+)\)') { throw "BACKUP_COMPRESSION's description no longer names the default level: $compression" }
$defaultLevel = [int]$Matches[1]

# Appended to every run's script: pwsh's own CPU, its waited-for children's, and its own peak RSS, into $stats.
$selfStats = @'
$fields = (Get-Content -Raw /proc/self/stat).Split(')')[-1].Trim().Split(' ')
$hwm = (Select-String -Path /proc/self/status -Pattern '^VmHWM:\s+(\d+)').Matches[0].Groups[1].Value
Set-Content -LiteralPath $env:BENCH_STATS -Value ('{0} {1} {2}' -f ([long]$fields[11] + [long]$fields[12]), ([long]$fields[13] + [long]$fields[14]), $hwm)
'@

function Get-ProcessTicks([int] $ProcessId, [switch] $WithReaped) {
    $fields = (Get-Content -Raw "/proc/$ProcessId/stat" -ErrorAction Stop).Split(')')[-1].Trim().Split(' ')
    $own = [long]$fields[11] + [long]$fields[12]
    $WithReaped ? $own + [long]$fields[13] + [long]$fields[14] : $own
}

function Get-ServerTicks([int] $Postmaster) {
    # The postmaster with the backends it reaped, plus the children alive now (they are reaped into it later).
    $total = Get-ProcessTicks $Postmaster -WithReaped
    foreach ($child in (Get-Content -Raw "/proc/$Postmaster/task/$Postmaster/children").Trim().Split(' ', [StringSplitOptions]::RemoveEmptyEntries)) {
        try { $total += Get-ProcessTicks ([int]$child) } catch { }  # ended since the listing
    }
    $total
}

function Measure-Run([string] $Script, [int] $Postmaster) {
    $stats = New-TemporaryFile
    $self = New-TemporaryFile
    $env:BENCH_STATS = $self.FullName
    $serverBefore = Get-ServerTicks $Postmaster
    $watch = [Diagnostics.Stopwatch]::StartNew()
    & /usr/bin/time -f '%M %U %S' -o $stats.FullName @pwsh -NoProfile -NonInteractive -Command "$Script`n$selfStats" | Out-Null
    $seconds = $watch.Elapsed.TotalSeconds
    if ($LASTEXITCODE -ne 0) { throw "Failed: $Script" }
    Start-Sleep -Milliseconds 200  # lets the postmaster reap the run's backend
    $serverTicks = (Get-ServerTicks $Postmaster) - $serverBefore
    $peakKb, $user, $system = (Get-Content $stats.FullName | Select-Object -Last 1).Split(' ')
    $ownTicks, $childTicks, $hwmKb = (Get-Content $self.FullName).Split(' ')
    Remove-Item $stats, $self
    [pscustomobject]@{
        Seconds    = $seconds
        TreePeakMB = [long]$peakKb / 1024
        PwshPeakMB = [long]$hwmKb / 1024
        TreeCpu    = [double]$user + [double]$system
        PwshCpu    = [long]$ownTicks / $ticks
        ChildCpu   = [long]$childTicks / $ticks
        ServerCpu  = $serverTicks / $ticks
    }
}

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    $middle = [math]::Floor($sorted.Count / 2)
    $sorted.Count % 2 ? $sorted[$middle] : ($sorted[$middle - 1] + $sorted[$middle]) / 2
}

function Get-StoredBytes([string] $Folder) {
    # The newest backup's archive: <db>.dump.zst[.age] (or .dump) inside its dated folder.
    $file = Get-ChildItem -Recurse -File $Folder -Include '*.dump', '*.dump.zst', '*.dump.zst.age' |
        Sort-Object LastWriteTimeUtc | Select-Object -Last 1
    if (-not $file) { throw "No archive under $Folder" }
    $file.Length
}

$work = Join-Path ([IO.Path]::GetTempPath()) ('scorecard-bench-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory $work | Out-Null
$server = Start-TestPostgres -Root ([IO.Path]::GetTempPath())
try {
    $load = [Diagnostics.Stopwatch]::StartNew()
    New-FixtureDatabase -Server $server -Name bench -Scale $Scale -FixtureDir (Join-Path $repo 'tests/fixtures')
    $loadSeconds = $load.Elapsed.TotalSeconds
    $vacuum = [Diagnostics.Stopwatch]::StartNew()
    Invoke-Psql $server 'bench' @('-c', 'VACUUM ANALYZE')
    $vacuumSeconds = $vacuum.Elapsed.TotalSeconds
    $password = [uri]::UnescapeDataString(([uri]($server.Url -replace '^postgresql://', 'http://')).UserInfo.Split(':')[1])
    $passFile = Join-Path $work 'pgpass'
    Set-Content $passFile "*:*:*:postgres:$($password -replace '\\', '\\' -replace ':', '\:')"
    & chmod 0600 $passFile
    $port = $server.Port
    $env:PGPASSFILE = $passFile
    $psql = Join-Path $server.BinDir 'psql'
    $rows = & $psql -X -At -h 127.0.0.1 -p $port -U postgres -d bench -c 'SELECT sum(n_live_tup) FROM pg_stat_user_tables' 2>$null
    $dbBytes = & $psql -X -At -h 127.0.0.1 -p $port -U postgres -d bench -c "SELECT pg_database_size('bench')" 2>$null
    $postmaster = [int](Get-Content (Join-Path $server.DataDir 'postmaster.pid') -TotalCount 1)
    $cores = [Environment]::ProcessorCount
    Write-Host ("Fixture at scale {0}: {1:N0} rows, {2:N0} MB, loaded in {3:0.0} s, VACUUM ANALYZE {4:0.0} s; {5} cores" -f
        $Scale, [long]"$rows", ([long]"$dbBytes" / 1MB), $loadSeconds, $vacuumSeconds, $cores)

    $pgDump = Join-Path $server.BinDir 'pg_dump'
    $keyFile = Join-Path $work 'key.txt'
    $recipient = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command "Import-Module '$manifest'; (New-ScorecardBackupKey -Path '$keyFile').Recipient"
    if ($LASTEXITCODE -ne 0 -or "$recipient" -notmatch '^age1') { throw "New-ScorecardBackupKey failed: $recipient" }

    function New-Variant([string] $Name, [string] $Parameters) {
        # Each variant keeps its own backup folder, so that retention never removes another's archive.
        $folder = Join-Path $work ($Name -replace '[^a-z0-9]', '_')
        $envFile = "$folder.env"
        Set-Content $envFile @("DATABASE_URL=$($server.Url -replace '/postgres$', '/bench')", "BACKUP_DIR=$folder", 'BACKUP_KEEP_MIN=1', 'BACKUP_RETENTION_DAYS=0')
        [pscustomobject]@{
            Name   = $Name
            Folder = $folder
            Script = "Import-Module '$manifest'; `$env:PG_DUMP_PATH = '$pgDump'; Invoke-ScorecardBackup -EnvFile '$envFile' $Parameters -ErrorAction Stop | Out-Null"
        }
    }
    $variants = @(
        [pscustomobject]@{
            Name   = 'pg_dump -Fc'
            Folder = $null
            Script = "Import-Module '$manifest'; `$env:PGPASSFILE = '$passFile'; & '$pgDump' -Fc -h 127.0.0.1 -p $port -U postgres -d bench -f '$work/plain.dump'; if (`$LASTEXITCODE) { exit `$LASTEXITCODE }"
        }
        New-Variant "zstd (zstd:$defaultLevel)" ''
        New-Variant "zstd:$defaultLevel+age" "-Recipient '$recipient'"
        foreach ($level in $Levels | Where-Object { $_ -ne $defaultLevel }) { New-Variant "zstd:$level" "-Compression zstd:$level" }
    )

    $results = [ordered]@{}
    $sizes = @{}
    foreach ($variant in $variants) { $results[$variant.Name] = @() }
    for ($i = 1; $i -le $Runs; $i++) {
        Write-Host ("load average before run {0}: {1}" -f $i, (Get-Content -Raw /proc/loadavg).Trim())
    $line = foreach ($variant in $variants) {
            $run = Measure-Run $variant.Script $postmaster
            $results[$variant.Name] += $run
            $sizes[$variant.Name] = $variant.Folder ? (Get-StoredBytes $variant.Folder) : (Get-Item "$work/plain.dump").Length
            '{0} {1:0.00} s' -f $variant.Name, $run.Seconds
        }
        Write-Host ("run {0}: {1}" -f $i, ($line -join ', '))
    }

    $baseName = $variants[0].Name
    $baseSeconds = Get-Median $results[$baseName].Seconds
    $table = foreach ($name in $results.Keys) {
        $runsOf = $results[$name]
        $seconds = Get-Median $runsOf.Seconds
        [pscustomobject]@{
            Variant    = $name
            WallS      = [math]::Round($seconds, 2)
            WallRatio  = [math]::Round($seconds / $baseSeconds, 3)
            StoredMB   = [math]::Round($sizes[$name] / 1MB, 1)
            SizeRatio  = [math]::Round($sizes[$name] / $sizes[$baseName], 3)
            TreePeakMB = [math]::Round(($runsOf.TreePeakMB | Measure-Object -Maximum).Maximum, 1)
            PwshPeakMB = [math]::Round(($runsOf.PwshPeakMB | Measure-Object -Maximum).Maximum, 1)
            PwshCpu    = [math]::Round((Get-Median $runsOf.PwshCpu), 2)
            ChildCpu   = [math]::Round((Get-Median $runsOf.ChildCpu), 2)
            TreeCpu    = [math]::Round((Get-Median $runsOf.TreeCpu), 2)
            ServerCpu  = [math]::Round((Get-Median $runsOf.ServerCpu), 2)
        }
    }
    Write-Host ("Scale {0}, {1:N0} rows, {2} cores, {3} runs each, medians; baseline = pg_dump -Fc to a file in a fresh pwsh with the module imported" -f
        $Scale, [long]"$rows", $cores, $Runs)
    $table | Format-Table -Property Variant, WallS, WallRatio, StoredMB, SizeRatio, TreePeakMB, PwshPeakMB, PwshCpu, ChildCpu, TreeCpu, ServerCpu |
        Out-String -Width 250 | Write-Host
    $plainName = "zstd (zstd:$defaultLevel)"
    $encrypted = Get-Median $results["zstd:$defaultLevel+age"].Seconds
    $unencrypted = Get-Median $results[$plainName].Seconds
    Write-Host ('Encryption overhead (zstd:{0}+age / zstd:{0}, median wall): {1:0.000} (goal <= 1.10); by pwsh CPU: {2:0.000}, by tree CPU: {3:0.000}' -f
        $defaultLevel, ($encrypted / $unencrypted),
        ((Get-Median $results["zstd:$defaultLevel+age"].PwshCpu) / (Get-Median $results[$plainName].PwshCpu)),
        ((Get-Median $results["zstd:$defaultLevel+age"].TreeCpu) / (Get-Median $results[$plainName].TreeCpu)))
    Write-Host ('Per-run wall ratios zstd:{0}+age / zstd:{0} (same round): {1}' -f $defaultLevel,
        ((0..($Runs - 1) | ForEach-Object { '{0:0.00}' -f ($results["zstd:$defaultLevel+age"][$_].Seconds / $results[$plainName][$_].Seconds) }) -join ', '))
    Write-Host ('Wall ratio of zstd:{0} to pg_dump -Fc: {1:0.000} (goal <= 1.0); stored size ratio: {2:0.000} (goal <= 0.6)' -f
        $defaultLevel, ($unencrypted / $baseSeconds), ($sizes[$plainName] / $sizes[$baseName]))
    Write-Host 'Peak memory goal: PwshPeakMB at ~4.3M rows within 40 MB of the value at ~0.43M rows (compare two runs).'
} finally {
    Stop-TestPostgres $server
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
