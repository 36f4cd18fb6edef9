# Issue 20: the report and the anomaly mail, as their readers see them in a browser (headless Chromium).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Root = New-TestFolder
    $script:SavedEnvironment = Clear-SettingEnvironment
    $script:SavedMail = Clear-MailSettingEnvironment
    $script:Database = New-TestDatabase
    $script:Url = Get-TestDatabaseUrl $Database
    $script:Destination = Join-Path $Root 'backups'
    $script:To = New-Recipient
    Set-SmtpEnvironment $To
    $script:Drilled = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination
    Test-ScorecardBackup -Path $Drilled.Path -RestoreDrill -DatabaseUrl $Url | Out-Null
    Invoke-TestSql -Database $Database -Sql "INSERT INTO companies (id, name) VALUES ('company_report', 'Report Ltd')" | Out-Null
    Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination | Out-Null
    Invoke-TestSql -Database $Database -Sql 'DELETE FROM evaluations WHERE id IN (SELECT id FROM evaluations ORDER BY id LIMIT (SELECT count(*) / 2 FROM evaluations))' | Out-Null
    $script:Anomalous = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination -Notify -WarningAction SilentlyContinue
    $script:Report = Join-Path $Root 'report.html'
    $script:Written = Export-ScorecardBackupReport -Path $Report -Destination $Destination -SkipOffsite -PassThru
    $script:Html = Get-Content $Report -Raw
    $script:Shots = Join-Path ([IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../../out'))) 'screenshots'
    New-Item -ItemType Directory -Force -Path $Shots | Out-Null

    # Chromium's screenshot of a page at a width, and the size of its PNG; a blank page of the same size is the baseline.
    function Get-Screenshot([string] $Page, [int] $Width, [string] $Name) {
        $png = Join-Path $Shots "$Name-$Width.png"
        Remove-Item $png -ErrorAction SilentlyContinue
        & chromium --headless --no-sandbox --disable-gpu --hide-scrollbars "--screenshot=$png" "--window-size=$Width,1600" "file://$Page" 2>$null | Out-Null
        Get-Item $png
    }

    function Get-RenderedDom([string] $Page) { (& chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$Page" 2>$null) -join "`n" }

    $script:Blank = Join-Path $Root 'blank.html'
    Set-Content -Path $Blank -Value '<!DOCTYPE html><html><body></body></html>'
}

AfterAll {
    Remove-TestDatabase $Database
    Remove-Item -Recurse -Force $Root -ErrorAction SilentlyContinue
    Restore-SettingEnvironment $SavedMail
    Restore-SettingEnvironment $SavedEnvironment
}

Describe 'Export-ScorecardBackupReport' {
    It 'writes one self-contained file: no script, nothing fetched, the charts as inline SVG with the anomaly marked' {
        $Written.FullName | Should -Be $Report
        $Html | Should -Not -Match '<script'
        $Html | Should -Not -Match '\b(src|href)\s*='
        ($Html -replace 'xmlns="http://www\.w3\.org/2000/svg"', '') | Should -Not -Match 'https?://'
        # Stored size, duration, total rows, and one chart for each of the fixture's tables.
        ([regex]::Matches($Html, '<svg')).Count | Should -Be (3 + $Drilled.Tables.Count)
        $Html | Should -Match 'class="mark"[^>]*stroke="#cf222e"'
        $Html | Should -Match ([regex]::Escape($Anomalous.Name))
        $Html | Should -Match 'public\.evaluations: \d+ -&gt; \d+ rows since'
        $Html | Should -Match ('class="mark"[^>]*stroke="#1a7f37"[^>]*><title>' + [regex]::Escape("$($Drilled.Name): restore drill passed"))
    }

    It 'records the restore drill beside the backup, for the history' {
        Join-Path $Drilled.Path 'drill.json' | Should -Exist
        $entry = Get-ScorecardBackupHistory -Destination $Destination -SkipOffsite | Where-Object Name -eq $Drilled.Name
        $entry.DrillPassed | Should -BeTrue
        $entry.DrilledAt | Should -BeGreaterThan $Drilled.CompletedAt
        (Get-ScorecardBackup -Destination $Destination -Name $Drilled.Name).DrillPassed | Should -BeTrue
    }

    It 'changes nothing under -WhatIf' {
        $other = Join-Path $Root 'never.html'
        Export-ScorecardBackupReport -Path $other -Destination $Destination -WhatIf
        $other | Should -Not -Exist
    }
}

Describe 'Seen in headless Chromium' {
    It 'draws the report at <Width> px: charts in the DOM, and a screenshot far from blank' -ForEach @(@{ Width = 400 }, @{ Width = 1400 }) {
        $dom = Get-RenderedDom $Report
        ([regex]::Matches($dom, '<polyline')).Count | Should -BeGreaterOrEqual 4
        $blank = Get-Screenshot $Blank $Width 'blank'
        $shot = Get-Screenshot $Report $Width 'report'
        $shot.Length | Should -BeGreaterThan ($blank.Length * 5) -Because 'a page of charts and a table compresses far worse than an empty one'
    }

    It 'draws the anomaly mail at <Width> px, the change column and the trend bars in it' -ForEach @(@{ Width = 400 }, @{ Width = 1400 }) {
        $mail = Wait-Delivered $To | Where-Object Subject -like '⚠️ Backup made, but data vanished*' | Select-Object -First 1
        $page = Join-Path $Root "mail-$Width.html"
        Set-Content -Path $page -Value $mail.Html -Encoding utf8NoBOM
        $dom = Get-RenderedDom $page
        $dom | Should -Match '⚠ anomaly'
        ([regex]::Matches($dom, 'class="bar"')).Count | Should -BeGreaterOrEqual 6
        $blank = Get-Screenshot $Blank $Width 'blank'
        (Get-Screenshot $page $Width 'anomaly-mail').Length | Should -BeGreaterThan ($blank.Length * 5)
    }
}
