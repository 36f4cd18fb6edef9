<#
.SYNOPSIS
Updates 10,000 users from a CSV through one Set-ScorecardUser pipeline, against one Set-ScorecardUser call per user in
a loop, in the same run, audit rows included. Goal: at least 2,000 users per second through the pipeline.
Run after ./build.ps1:  dotnet pwsh ./bench/Users.Benchmark.ps1 [-Users 10000]
#>
param([int] $Users = 10000)
$ErrorActionPreference = 'Stop'
$repo = Resolve-Path (Join-Path $PSScriptRoot '..')
Import-Module (Join-Path $repo 'build/TestServices.psm1') -Force
$server = Start-TestPostgres -Root ([IO.Path]::GetTempPath())
$work = Join-Path ([IO.Path]::GetTempPath()) ('scorecard-users-bench-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory $work | Out-Null
try {
    New-FixtureDatabase -Server $server -Name bench -Scale ([math]::Ceiling($Users / 156)) -FixtureDir (Join-Path $repo 'tests/fixtures')
    Import-Module (Join-Path $repo 'out/SalesScorecard/SalesScorecard.psd1')
    $env:DATABASE_URL = $server.Url -replace '/postgres$', '/bench'
    $ids = (Get-ScorecardUser -IncludeInactive | Select-Object -First $Users).Id
    $csv = Join-Path $work 'users.csv'
    $ids | ForEach-Object -Begin { $i = 0 } -Process { [pscustomobject]@{ Id = $_; DisplayName = "Pipeline user $((++$i))"; Role = 'salesperson' } } |
        Export-Csv $csv -NoTypeInformation
    $rows = Import-Csv $csv

    $pipeline = Measure-Command { $rows | Set-ScorecardUser }
    $loop = Measure-Command { foreach ($row in $rows) { Set-ScorecardUser -Identity $row.Id -DisplayName "Loop $($row.DisplayName)" -Role SALES_LEAD } }
    $audit = & (Join-Path $server.BinDir 'psql') -X -At -h $server.Folder -p $server.Port -U postgres -d bench -c "SELECT count(*) FROM audit_logs WHERE action = 'USER_UPDATED'"
    [pscustomobject]@{
        Users                 = $ids.Count
        PipelineSeconds       = [math]::Round($pipeline.TotalSeconds, 2)
        PipelineUsersPerSec   = [math]::Round($ids.Count / $pipeline.TotalSeconds)
        LoopSeconds           = [math]::Round($loop.TotalSeconds, 2)
        LoopUsersPerSec       = [math]::Round($ids.Count / $loop.TotalSeconds)
        PipelineSpeedup       = [math]::Round($loop.TotalSeconds / $pipeline.TotalSeconds, 2)
        AuditRowsWritten      = [int]"$audit"
        GoalPipeline2000PerSec = ($ids.Count / $pipeline.TotalSeconds) -ge 2000
    } | Format-List
} finally {
    Stop-TestPostgres $server
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
