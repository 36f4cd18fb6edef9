# Issue 12: one error catalog. Core's unit tests (ScorecardErrorsTests) keep about_SalesScorecard's ERROR IDS equal to
# ScorecardErrors; here the section reaches Get-Help, and a cmdlet's ErrorRecord carries the id and category it documents.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $about = Get-Content (Join-Path $PSScriptRoot '../../docs/about_SalesScorecard.md') -Raw
    $section = [regex]::Match($about, '(?s)## ERROR IDS\n(.*?)\n# ').Groups[1].Value
    $script:Documented = [regex]::Matches($section, '(?m)^    (\w+) \((\w+)\)$') | ForEach-Object { [pscustomobject]@{ Id = $_.Groups[1].Value; Category = $_.Groups[2].Value } }
    $script:Help = Get-Help about_SalesScorecard | Out-String
}

Describe 'The documented error ids' {
    It 'reaches Get-Help about_SalesScorecard' {
        $Documented.Count | Should -BeGreaterThan 60
        $Help | Should -Match 'ERROR IDS'
        $Help | Should -Match 'OffsiteCopyFailed \(WriteError\)'
    }

    It 'gives an ErrorRecord the id and the category its line documents' {
        $err = { Get-ScorecardBackup -Destination (New-TestFolder) -Latest -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'BackupNotFound,*'
        $err.CategoryInfo.Category.ToString() | Should -Be ($Documented | Where-Object Id -eq 'BackupNotFound').Category
    }
}
