# Issue 20: backups compared night over night, the last good backup pinned when data vanishes, and the history.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Root = New-TestFolder
    $script:SavedEnvironment = Clear-SettingEnvironment
    $script:SavedMail = Clear-MailSettingEnvironment

    function New-Destination { Join-Path $Root ([guid]::NewGuid().ToString('N').Substring(0, 8)) }

    # Deletes nine in ten evaluations (their items go with them): the bad migration, the wrong DELETE.
    function Remove-MostEvaluations([string] $Database) {
        Invoke-TestSql -Database $Database -Sql 'DELETE FROM evaluations WHERE id IN (SELECT id FROM evaluations ORDER BY id LIMIT (SELECT count(*) * 9 / 10 FROM evaluations))' | Out-Null
    }

    function Get-Rows([string] $Database, [string] $Table) { (Invoke-TestSql -Database $Database -Sql "SELECT count(*) AS n FROM $Table").n }
}

AfterAll {
    Remove-Item -Recurse -Force $Root -ErrorAction SilentlyContinue
    Restore-SettingEnvironment $SavedMail
    Restore-SettingEnvironment $SavedEnvironment
}

Describe 'A night on which most evaluations vanished' {
    BeforeAll {
        $script:Database = New-TestDatabase
        $script:Url = Get-TestDatabaseUrl $Database
        $script:Destination = New-Destination
        $script:Remote = Set-TestS3Environment
        $script:To = New-Recipient
        Set-SmtpEnvironment $To
        $script:Good = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination -Notify
        $script:Before = Get-Rows $Database 'evaluations'
        Remove-MostEvaluations $Database
        $script:After = Get-Rows $Database 'evaluations'
        $script:Bad = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination -Notify -WarningVariable warnings -WarningAction SilentlyContinue -ErrorVariable failures -ErrorAction SilentlyContinue
        $script:Warnings = $warnings
        $script:Failures = $failures
        $script:Log = Get-Content (Join-Path $Destination 'backup.log') -Raw
        $script:Since = $Good.StartedAt.ToString('yyyy-MM-dd')
    }

    AfterAll { Remove-TestDatabase $Database }

    It 'is still a good, verified backup: no error, and the anomalies on the result' {
        $Failures | Should -BeNullOrEmpty
        $Bad.Verified | Should -BeTrue
        $evaluations = $Bad.Anomalies | Where-Object Table -eq 'public.evaluations'
        $evaluations.Kind | Should -Be 'RowsDropped'
        $evaluations.Before | Should -Be $Before
        $evaluations.After | Should -Be $After
        $Good.Anomalies.Count | Should -Be 0 -Because 'the first backup of a database has nothing to be compared with'
    }

    It 'says so in backup.log, as a warning, and in the mail''s subject, in words' {
        $Log | Should -Match "ANOMALY $($Bad.Name) against $($Good.Name): public\.evaluations: $Before -> $After rows since $Since"
        $Warnings | Where-Object { "$_" -match "public\.evaluations: $Before -> $After rows" } | Should -Not -BeNullOrEmpty
        $messages = Wait-Delivered $To -Count 2
        $alarm = $messages | Where-Object Subject -like '⚠️ Backup made, but data vanished*'
        $alarm.Subject | Should -Match "public\.evaluations: $Before -> $After rows since $Since"
        foreach ($part in $alarm.Text, $alarm.Html) { $part | Should -Match "is pinned" }
        $alarm.Text | Should -Match "public\.evaluations: $After \(-$($Before - $After), ANOMALY\)"
        $alarm.Html | Should -Match "<td>public\.evaluations</td><td align=`"right`">$After</td><td align=`"right`">-$($Before - $After) ⚠ anomaly</td>"
        $alarm.Html | Should -Match 'The last 2 backups'
        $alarm.Html | Should -Not -Match '<img|<script'

    }

    It 'pins the last good backup, here and on the store, with the anomaly as its reason' {
        $pinned = Get-ScorecardBackup -Destination $Destination -Name $Good.Name
        $pinned.Pinned | Should -BeTrue
        $pinned.PinReason | Should -Match "public\.evaluations: $Before -> $After rows"
        Join-Path $Good.Path 'pin.json' | Should -Exist
        (Get-ScorecardBackup -Offsite -Name $Good.Name).Pinned | Should -BeTrue
        (Get-ScorecardBackup -Destination $Destination -Name $Bad.Name).Pinned | Should -BeFalse
        $Log | Should -Match "PIN\s+Pinned $($Good.Name)"
    }

    It 'keeps the pinned backup through retention that removes everything else, here and on the store' {
        $env:BACKUP_RETENTION_DAYS = '0'; $env:BACKUP_KEEP_MIN = '1'
        try {
            $third = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination -WarningAction SilentlyContinue
        } finally { $env:BACKUP_RETENTION_DAYS = $null; $env:BACKUP_KEEP_MIN = $null }
        $third.Anomalies.Count | Should -Be 0 -Because 'tonight is compared with last night, not with the pinned backup'
        (Get-ScorecardBackup -Destination $Destination).Name | Sort-Object | Should -Be (@($Good.Name, $third.Name) | Sort-Object)
        (Get-ScorecardBackup -Offsite).Name | Sort-Object | Should -Be (@($Good.Name, $third.Name) | Sort-Object)
    }

    It 'Unlock-ScorecardBackup releases the pin only when asked, and Lock-ScorecardBackup pins by hand' {
        Get-ScorecardBackup -Destination $Destination | Where-Object Pinned | Unlock-ScorecardBackup -WhatIf
        (Get-ScorecardBackup -Destination $Destination -Name $Good.Name).Pinned | Should -BeTrue
        $released = Unlock-ScorecardBackup -Destination $Destination -Name $Good.Name -Confirm:$false -PassThru
        $released.Pinned | Should -BeFalse
        Join-Path $Good.Path 'pin.json' | Should -Not -Exist
        $held = Get-ScorecardBackup -Destination $Destination -Name $Good.Name | Lock-ScorecardBackup -Reason 'Audit 2026-Q4' -PassThru
        $held.PinReason | Should -Be 'Audit 2026-Q4'
        (Get-ScorecardBackup -Destination $Destination -Name $Good.Name).PinReason | Should -Be 'Audit 2026-Q4'
        Unlock-ScorecardBackup -Destination $Destination -Name 'backup-1999-01-01T00-00-00' -Confirm:$false -ErrorVariable missing -ErrorAction SilentlyContinue
        $missing[0].FullyQualifiedErrorId | Should -BeLike 'BackupNotFound,*'
    }

    It 'the history shows each backup, its change and its anomalies, and round-trips through CSV and JSON' {
        $history = @(Get-ScorecardBackupHistory -Destination $Destination)
        $history.Count | Should -Be 2
        $history[0].StartedAt | Should -BeGreaterThan $history[1].StartedAt
        $history[0].OffsiteCopy | Should -BeTrue
        $row = Get-ScorecardBackupHistory -Destination $Destination -SkipOffsite -Last 1 | ConvertTo-Csv -NoTypeInformation | ConvertFrom-Csv
        $row.Tables | Should -Match '(^|; )public\.users=\d+(;|$)'
        $row.OffsiteCopy | Should -BeNullOrEmpty
        "$($row.PSObject.Properties.Value)" | Should -Not -Match 'System\.Collections'
        $json = Get-ScorecardBackupHistory -Destination $Destination -SkipOffsite | ConvertTo-Json -Depth 5 | ConvertFrom-Json
        $json[0].StartedAt | Should -Not -BeNullOrEmpty
        (Get-ScorecardBackupHistory -Destination $Destination -SkipOffsite -Database 'nothing*').Count | Should -Be 0
    }
}

Describe 'BACKUP_ANOMALY_FAILS=true' {
    BeforeAll {
        $script:Database = New-TestDatabase
        $script:Url = Get-TestDatabaseUrl $Database
        $script:Destination = New-Destination
        Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination | Out-Null
        Invoke-TestSql -Database $Database -Sql 'DELETE FROM evaluations' | Out-Null
    }

    AfterAll { Remove-TestDatabase $Database }

    It 'fails the run with AnomalyDetected after the backup, which is kept and returned' {
        $env:BACKUP_ANOMALY_FAILS = 'true'
        try {
            $backup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination -WarningAction SilentlyContinue -ErrorVariable failures -ErrorAction SilentlyContinue
        } finally { $env:BACKUP_ANOMALY_FAILS = $null }
        $backup.Verified | Should -BeTrue
        ($backup.Anomalies | Where-Object Table -eq 'public.evaluations').Kind | Should -Be 'TableEmptied'
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'AnomalyDetected,*'
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidData'
        Test-Path $backup.Path | Should -BeTrue
    }
}
