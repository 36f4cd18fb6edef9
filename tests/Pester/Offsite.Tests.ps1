# Issue 11: offsite copies on an S3-compatible store (s3rver here), read back by the module and by rclone alone.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:Database = New-TestDatabase
    $script:Url = Get-TestDatabaseUrl $Database
    $script:Root = New-TestFolder
    $script:SavedEnvironment = Clear-SettingEnvironment
    $script:Original = Get-TableDigest $Database

    function New-Destination { Join-Path $Root ([guid]::NewGuid().ToString('N').Substring(0, 8)) }
    function New-TargetName { 'offs_' + [guid]::NewGuid().ToString('N').Substring(0, 10) }
}

AfterAll {
    Remove-TestDatabase $Database
    Remove-Item -Recurse -Force $Root -ErrorAction SilentlyContinue
    Restore-SettingEnvironment $SavedEnvironment
}

Describe 'A verified backup copied offsite' {
    BeforeAll {
        $script:Remote = Set-TestS3Environment
        $script:Destination = New-Destination
        $script:Backup = Invoke-ScorecardBackup -DatabaseUrl $Url -Destination $Destination
        $script:Prefix = $Remote -replace '^s3://', ''
    }

    It 'says where the copy went and that it was verified' {
        $Backup.Offsite | Should -Be "$Remote/$($Backup.Name)"
        $Backup.OffsiteVerified | Should -BeTrue
    }

    It 'puts every file of the local backup, manifest.json included, on the store with the same bytes' {
        $listed = Invoke-Rclone @('lsjson', '--hash', "sc:$Prefix/$($Backup.Name)")| ConvertFrom-Json
        $local = Get-ChildItem $Backup.Path -File
        ($listed.Name | Sort-Object) | Should -Be ($local.Name | Sort-Object)
        foreach ($file in $local) {
            ($listed | Where-Object Name -eq $file.Name).Size | Should -Be $file.Length -Because $file.Name
        }
    }

    It 'writes an OFFSITE line to backup.log' {
        Get-Content (Join-Path $Destination 'backup.log') | Where-Object { $_ -match "OFFSITE\s+$($Backup.Name) copied to $([regex]::Escape($Backup.Offsite))" } | Should -HaveCount 1
    }
}
