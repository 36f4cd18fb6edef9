<#
.SYNOPSIS
Measures Get-ScorecardBackupHistory and Export-ScorecardBackupReport over 400 synthetic backups (a year and more of
nights, each a manifest.json with a dozen tables), against the floor of reading those manifests at all: Get-ChildItem
and ConvertFrom-Json of each, in the same session. Prints medians and their ratios to that baseline; the goal is the
history of a year of nightly backups in well under a second.
Run after ./build.ps1: dotnet pwsh ./bench/History.Benchmark.ps1 [-Backups 400] [-Runs 5]
#>
param([int] $Backups = 400, [int] $Runs = 5)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../out/SalesScorecard/SalesScorecard.psd1') -Force
$folder = Join-Path ([IO.Path]::GetTempPath()) ('scorecard-history-bench-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory -Path $folder | Out-Null

# Synthetic nights: the fixture's dozen tables growing slowly, a third of a table lost on one night (an anomaly).
$tables = 'audit_logs', 'behavior_categories', 'behavior_items', 'companies', 'evaluation_items', 'evaluations', 'regions', 'teams', 'user_regions', 'user_teams', 'users'
$start = [datetime]::UtcNow.Date.AddDays(-$Backups)
for ($night = 0; $night -lt $Backups; $night++) {
    $at = $start.AddDays($night).AddHours(2)
    $name = 'backup-' + $at.ToString('yyyy-MM-ddTHH-mm-ss')
    $counts = [ordered]@{}
    foreach ($table in $tables) { $counts["public.$table"] = 100 + $night + $table.Length * 10 }
    if ($night -eq [int]($Backups / 2)) { $counts['public.evaluations'] = 40 }
    $manifest = [ordered]@{
        manifestVersion = 2; producer = 'SalesScorecard'; name = $name; status = 'Succeeded'; startedAt = $at.ToString('o'); completedAt = $at.AddSeconds(2).ToString('o')
        durationSeconds = 2.0; database = 'scorecard'; host = 'localhost'; port = 5432; serverVersion = '15.14'; pgDumpVersion = 'pg_dump (PostgreSQL) 15.14'
        moduleVersion = '0.1.0'; format = 'custom'; dumpFile = 'scorecard.dump.zst'; sizeBytes = 400000 + $night * 100; rawBytes = 1500000 + $night * 300
        totalRows = [long] ($counts.Values | Measure-Object -Sum).Sum; tables = $counts; tocEntries = 120; verified = $true; compression = 'zstd:1'
        files = @{ 'scorecard.dump.zst' = @{ sha256 = ('0' * 64); bytes = 400000 }; 'summary.txt' = @{ sha256 = ('1' * 64); bytes = 900 } }
    }
    New-Item -ItemType Directory -Path (Join-Path $folder $name) | Out-Null
    $manifest | ConvertTo-Json -Depth 5 | Set-Content -Path (Join-Path $folder "$name/manifest.json")
}

function Measure-Median([scriptblock] $Work) {
    & $Work | Out-Null   # warm: JIT and the disk cache, for every side alike
    $times = for ($i = 0; $i -lt $Runs; $i++) { (Measure-Command { & $Work | Out-Null }).TotalMilliseconds }
    ($times | Sort-Object)[[math]::Floor($Runs / 2)]
}

try {
    $report = Join-Path $folder 'report.html'
    $baseline = Measure-Median { Get-ChildItem $folder -Directory -Filter 'backup-*' | ForEach-Object { Get-Content (Join-Path $_.FullName 'manifest.json') -Raw | ConvertFrom-Json } }
    $history = Measure-Median { Get-ScorecardBackupHistory -Destination $folder -SkipOffsite }
    $exported = Measure-Median { Export-ScorecardBackupReport -Path $report -Destination $folder -SkipOffsite }
    $listed = @(Get-ScorecardBackupHistory -Destination $folder -SkipOffsite)
    $anomalies = @($listed | Where-Object { $_.Anomalies.Count -gt 0 }).Count
    # A benchmark of manifests the module could not read would measure nothing: every synthetic backup must count.
    if (@($listed | Where-Object Status -eq 'Succeeded').Count -ne $Backups -or $anomalies -ne 1) {
        throw "The synthetic history reads back wrong: $(@($listed | Where-Object Status -eq 'Succeeded').Count) of $Backups backups succeeded, $anomalies anomalies (1 planted)."
    }
    [pscustomobject]@{
        Backups             = $Backups
        Runs                = $Runs
        ReadManifestsMs     = [math]::Round($baseline)
        HistoryMs           = [math]::Round($history)
        HistoryRatio        = [math]::Round($history / $baseline, 2)
        ReportMs            = [math]::Round($exported)
        ReportRatio         = [math]::Round($exported / $baseline, 2)
        ReportKB            = [math]::Round((Get-Item $report).Length / 1KB)
        AnomaliesFound      = $anomalies
    } | Format-List
    "Goal: the history of $Backups nightly backups in well under a second (HistoryMs), the report no slower than reading the manifests twice."
} finally {
    Remove-Item -Recurse -Force $folder -ErrorAction SilentlyContinue
}
