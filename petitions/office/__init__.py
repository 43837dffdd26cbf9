"""The bureau's working systems around cases (工作制度, 第三章; 监督和追责, 第五章).

Duty (值班值守, 第十二条), leader receptions, group visits and district-leader public receptions
(领导接访, 第七条), rewards for reporting violations (有奖举报, 第九条), administrative mediation
(行政调解, 第十一条) and accountability (移交纪检监察、书面检查, 第二十三条、第二十四条).

Built on the case core like the other capabilities: cases enter only through
`cases.filing.file_case`, deadlines are the core's `Deadline` rows, and nothing here changes a
case's state. Every record is created and changed through the service functions of this package,
logged in Wagtail's audit log, and never deleted.
"""
