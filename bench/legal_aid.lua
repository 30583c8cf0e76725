-- wrk script: POST one legal aid application per request (the server numbers them).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"centre_id":CENTRE_ID,"channel":"window","region":"220802100201","name":"压测","phone":"13800138000","opponent":"某公司","facts":"拖欠工资","eligibility":{"case_type":"civil","matter":"labour","applicant":{"groups":["migrant_worker"]}}}'
