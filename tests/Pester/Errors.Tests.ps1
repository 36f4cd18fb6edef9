# Issue 12: one error catalog. ScorecardException takes only a catalog entry, so every id the code can raise is in
# ScorecardErrors; about_SalesScorecard must document exactly those, with the same categories.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    Import-TestAssemblies
    $script:Catalog = [SalesScorecard.ScorecardErrors]::All
    $about = Get-Content (Join-Path $PSScriptRoot '../../docs/about_SalesScorecard.md') -Raw
    $section = [regex]::Match($about, '(?s)## ERROR IDS\n(.*?)\n# ').Groups[1].Value
    $script:Documented = [regex]::Matches($section, '(?m)^    (\w+) \((\w+)\)$') | ForEach-Object { [pscustomobject]@{ Id = $_.Groups[1].Value; Category = $_.Groups[2].Value } }
    $script:Help = Get-Help about_SalesScorecard | Out-String
}

Describe 'The error catalog' {
    It 'holds each id once, with a meaning that says what to do' {
        $Catalog.Count | Should -BeGreaterThan 60
        ($Catalog.Id | Sort-Object -Unique).Count | Should -Be $Catalog.Count
        foreach ($error in $Catalog) { $error.Meaning.Length | Should -BeGreaterThan 30 -Because $error.Id }
    }

    It 'is documented in about_SalesScorecard exactly: every id the code can raise, no id it cannot, the same categories' {
        $Documented.Count | Should -Be $Catalog.Count
        foreach ($error in $Catalog) {
            ($Documented | Where-Object Id -eq $error.Id).Category | Should -Be $error.Category.ToString() -Because $error.Id
        }
        foreach ($entry in $Documented) { $Catalog.Id | Should -Contain $entry.Id }
    }

    It 'reaches Get-Help about_SalesScorecard' {
        $Help | Should -Match 'ERROR IDS'
        $Help | Should -Match 'OffsiteCopyFailed \(WriteError\)'
    }

    It 'gives an ErrorRecord its id and its category from the catalog' {
        $err = { Get-ScorecardBackup -Destination (New-TestFolder) -Latest -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'BackupNotFound,*'
        $err.CategoryInfo.Category.ToString() | Should -Be ([SalesScorecard.ScorecardErrors]::BackupNotFound.Category.ToString())
    }
}
