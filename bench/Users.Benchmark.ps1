<#
.SYNOPSIS
Updates 10,000 users from a CSV through one Set-ScorecardUser pipeline, and runs 2,000 single Set-ScorecardUser calls
in a loop in the same pwsh session, in the same run, audit rows included. Goals: at least 2,000 users per second through
the pipeline, and at least 200 calls per second in the loop (each call takes a pooled connection instead of logging in).
Baseline, same run: psql sending the same UPDATE-with-audit statements for as many other, untouched users, one
statement per user as the pipeline does; PipelineVsPsql is the pipeline's rate over psql's (how much the cmdlet costs on
top of the database's own work on this machine, whatever else loads it).
Run after ./build.ps1:  dotnet pwsh ./bench/Users.Benchmark.ps1 [-Users 10000] [-LoopCalls 2000]
#>
param([int] $Users = 10000, [int] $LoopCalls = 2000)
$ErrorActionPreference = 'Stop'
$repo = Resolve-Path (Join-Path $PSScriptRoot '..')
Import-Module (Join-Path $repo 'build/TestServices.psm1') -Force
$server = Start-TestPostgres -Root ([IO.Path]::GetTempPath())
$work = Join-Path ([IO.Path]::GetTempPath()) ('scorecard-users-bench-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory $work | Out-Null
try {
    New-FixtureDatabase -Server $server -Name bench -Scale ([math]::Ceiling(2 * $Users / 156)) -FixtureDir (Join-Path $repo 'tests/fixtures')
    Import-Module (Join-Path $repo 'out/SalesScorecard/SalesScorecard.psd1')
    $env:DATABASE_URL = $server.Url -replace '/postgres$', '/bench'
    $all = (Get-ScorecardUser -IncludeInactive -WarningAction SilentlyContinue | Select-Object -First (2 * $Users)).Id
    $ids = $all[0..($Users - 1)]
    $psql = Join-Path $server.BinDir 'psql'
    $baselineSql = Join-Path $work 'baseline.sql'
    $all[$Users..(2 * $Users - 1)] | ForEach-Object {
        "WITH updated AS (UPDATE users SET ""displayName"" = 'Baseline user', role = 'SALESPERSON', ""updatedAt"" = now() WHERE id = '$_' RETURNING *), " +
        "audit AS (INSERT INTO audit_logs (id, ""userId"", action, ""entityType"", ""entityId"", details, ""companyId"", ""createdAt"") " +
        "SELECT gen_random_uuid()::text, NULL, 'BASELINE', 'user', id, '{""changes"": {""displayName"": {""old"": ""a"", ""new"": ""b""}}}'::jsonb, ""companyId"", now() FROM updated) " +
        "SELECT * FROM updated;"
    } | Set-Content $baselineSql
    $csv = Join-Path $work 'users.csv'
    $ids | ForEach-Object -Begin { $i = 0 } -Process { [pscustomobject]@{ Id = $_; DisplayName = "Pipeline user $((++$i))"; Role = 'salesperson' } } |
        Export-Csv $csv -NoTypeInformation
    $rows = Import-Csv $csv

    $baseline = Measure-Command { & $psql -X -q -h $server.Folder -p $server.Port -U postgres -d bench -f $baselineSql | Out-Null }
    $pipeline = Measure-Command { $rows | Set-ScorecardUser }
    $looped = @($rows | Select-Object -First $LoopCalls)
    $loop = Measure-Command { foreach ($row in $looped) { Set-ScorecardUser -Identity $row.Id -DisplayName "Loop $($row.DisplayName)" -Role SALES_LEAD } }
    $audit = & (Join-Path $server.BinDir 'psql') -X -At -h $server.Folder -p $server.Port -U postgres -d bench -c "SELECT count(*) FROM audit_logs WHERE action = 'USER_UPDATED'"
    [pscustomobject]@{
        Users                 = $ids.Count
        PsqlUsersPerSec       = [math]::Round($ids.Count / $baseline.TotalSeconds)
        PipelineSeconds       = [math]::Round($pipeline.TotalSeconds, 2)
        PipelineUsersPerSec   = [math]::Round($ids.Count / $pipeline.TotalSeconds)
        LoopCalls             = $looped.Count
        LoopSeconds           = [math]::Round($loop.TotalSeconds, 2)
        LoopCallsPerSec       = [math]::Round($looped.Count / $loop.TotalSeconds)
        PipelineVsPsql        = [math]::Round($baseline.TotalSeconds / $pipeline.TotalSeconds, 2)
        PipelineSpeedup       = [math]::Round(($ids.Count / $pipeline.TotalSeconds) / ($looped.Count / $loop.TotalSeconds), 2)
        AuditRowsWritten      = [int]"$audit"
        GoalPipeline2000PerSec = ($ids.Count / $pipeline.TotalSeconds) -ge 2000
        GoalLoop200PerSec      = ($looped.Count / $loop.TotalSeconds) -ge 200
        LoadAverage            = (Get-Content /proc/loadavg -ErrorAction SilentlyContinue) -replace '^(\S+ \S+ \S+).*', '$1'
    } | Format-List
} finally {
    Stop-TestPostgres $server
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
