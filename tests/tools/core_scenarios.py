#!/usr/bin/env python3
"""Writes the core engine's conformance scenarios (tests/scenarios/*.json, except those of other
modules, which are written by hand). Edit here, run `python3 tests/tools/core_scenarios.py`,
and commit the JSON: the JSON files are what every binding replays."""
import json, os
OUT='/work/wt-reminders/tests/scenarios'

def cmd(actor, c, at=None, err=None):
    s={}
    if at: s['at']=at
    s['actor']=actor; s['command']=c
    if err: s['expect_error']=err
    return s
def q(query, expect, at=None):
    s={}
    if at: s['at']=at
    s['query']=query; s['expect']=expect
    return s
def due(at, ids, recipient=None, **kw):
    qq={'type':'due','at':at}
    if recipient: qq['recipient']=recipient
    return q(qq, [{'id':i, **kw.get('extra',{}).get(i,{})} for i in ids])

def prelude(rules=None, sla="2d"):
    steps=[
      cmd('admin',{'type':'register_user','user':{'id':'admin','name':'Admin','role':'admin'}}),
      cmd('admin',{'type':'register_user','user':{'id':'li','name':'李经理','role':'manager','manager':'admin'}}),
      cmd('admin',{'type':'register_user','user':{'id':'wang','name':'王芳','role':'rep','manager':'li'}}),
      cmd('admin',{'type':'register_user','user':{'id':'qian','name':'钱伟','role':'rep','manager':'li'}}),
      cmd('admin',{'type':'define_process','process':{'id':'quote-approval','name':'报价审批','sla':sla,
          'steps':[{'name':'Sales manager','approvers':['li'],'policy':'any'}]}}),
      cmd('admin',{'type':'define_pipeline','pipeline':{'id':'sales','name':'销售流程','stages':[
          {'id':'qualify','name':'识别潜在客户','probability':0.1,'rotting_after':'10d'},
          {'id':'demo','name':'产品演示','probability':0.3},
          {'id':'quote','name':'报价','probability':0.6,'exit':[{'type':'approval','process':'quote-approval'}]}],
          'lost_reasons':['price','no budget']}}),
    ]
    if rules is not None:
        steps.append(cmd('admin',{'type':'set_reminder_rules','rules':rules}))
    steps += [
      cmd('wang',{'type':'create_customer','customer':{'id':'acme','name':'Acme 科技','owner':'wang'}}),
      cmd('wang',{'type':'create_opportunity','opportunity':{'id':'opp-1','pipeline':'sales','customer':'acme','owner':'wang',
          'name':'Acme ERP','amount':{'minor':12000000,'currency':'CNY'}}}),
    ]
    return steps

def write(name, desc, start, steps):
    with open(os.path.join(OUT, name+'.json'),'w') as f:
        json.dump({'name':name,'description':desc,'start':start,'steps':steps}, f, ensure_ascii=False, indent=2)
        f.write('\n')

# 1. follow-ups and tasks
S='2026-03-02T01:00:00Z'
steps=prelude({'escalate_after':'1d'})
steps+=[
  cmd('wang',{'type':'log_activity','activity':{'id':'act-1','kind':'call','customer':'acme','opportunity':'opp-1',
      'at':'2026-03-02T01:00:00Z','next_follow_up':'2026-03-04T02:00:00Z'}}),
  cmd('wang',{'type':'create_task','task':{'id':'task-1','title':'发送报价','owner':'wang','due':'2026-03-05T09:00:00Z','opportunity':'opp-1'}}),
  q({'type':'next_due_after','at':'2026-03-02T01:00:00Z'}, '2026-03-04T02:00:00.000Z'),
  due('2026-03-04T01:59:59.999Z', []),
  q({'type':'due','at':'2026-03-04T02:00:00Z'}, [{'id':'follow_up/act-1','kind':'follow_up','recipient':'wang','due':'2026-03-04T02:00:00.000Z','opportunity':'opp-1','activity':'act-1'}]),
  due('2026-03-04T02:00:00Z', ['follow_up/act-1']),
  cmd('wang',{'type':'snooze_reminder','reminder':'follow_up/act-1','until':'2026-03-04T06:00:00Z'}, at='2026-03-04T03:00:00Z'),
  due('2026-03-04T05:59:59Z', []),
  q({'type':'due','at':'2026-03-04T06:00:00Z'}, [{'id':'follow_up/act-1','due':'2026-03-04T06:00:00.000Z'}]),
  q({'type':'due','at':'2026-03-04T09:00:00Z'}, [{'id':'follow_up/act-1'},{'id':'task_due_soon/task-1','until':'2026-03-05T09:00:00.000Z'}]),
  cmd('wang',{'type':'log_activity','activity':{'id':'act-2','kind':'meeting','customer':'acme','opportunity':'opp-1','at':'2026-03-04T08:00:00Z'}}, at='2026-03-04T10:00:00Z'),
  due('2026-03-04T10:00:00Z', ['task_due_soon/task-1']),
  q({'type':'reminder','id':'follow_up/act-1'}, {'error':'not_found'}),
  due('2026-03-05T09:00:00Z', ['task_overdue/task-1']),
  q({'type':'due','at':'2026-03-06T09:00:00Z'}, [{'id':'task_overdue/task-1','recipient':'wang'},{'id':'escalated/task_overdue/task-1','recipient':'li','escalated_from':'wang'}]),
  due('2026-03-06T09:00:00Z', ['escalated/task_overdue/task-1'], recipient='li'),
  cmd('wang',{'type':'acknowledge_reminder','reminder':'task_overdue/task-1'}, at='2026-03-06T10:00:00Z'),
  due('2026-03-06T10:00:00Z', ['escalated/task_overdue/task-1']),
  cmd('li',{'type':'snooze_reminder','reminder':'escalated/task_overdue/task-1','until':'2026-03-07T01:00:00Z'}),
  due('2026-03-06T12:00:00Z', []),
  due('2026-03-07T01:00:00Z', ['escalated/task_overdue/task-1']),
  cmd('wang',{'type':'complete_task','task':'task-1'}, at='2026-03-07T02:00:00Z'),
  due('2026-03-07T02:00:00Z', []),
  q({'type':'upcoming','at':'2026-03-07T02:00:00Z','until':'2026-03-13T00:00:00Z'}, [{'id':'stale/opp-1@2026-03-12T01:00:00.000Z','kind':'stale'}]),
]
write('reminders_follow_up_and_tasks','A follow-up comes due, is snoozed, comes back and is resolved by a later activity; a task is due soon, then overdue, escalates to the manager, is acknowledged and snoozed, and disappears when done.',S,steps)

# 2. stale & close date
rules={'time_zone':'Asia/Shanghai','stale':{'idle':'3d'}}
steps=prelude(rules)
steps+=[
  # created 2026-03-02T01:00Z in qualify (10d): stale at 2026-03-12T01:00Z
  q({'type':'upcoming','at':'2026-03-02T01:00:00Z','until':'2026-03-31T00:00:00Z'}, [{'id':'stale/opp-1@2026-03-12T01:00:00.000Z','kind':'stale','recipient':'wang','opportunity':'opp-1'}]),
  due('2026-03-12T00:59:59Z', []),
  due('2026-03-12T01:00:00Z', ['stale/opp-1@2026-03-12T01:00:00.000Z']),
  cmd('wang',{'type':'snooze_reminder','reminder':'stale/opp-1@2026-03-12T01:00:00.000Z','until':'2026-03-13T01:00:00Z'}, at='2026-03-12T02:00:00Z'),
  due('2026-03-12T12:00:00Z', []),
  q({'type':'next_due_after','at':'2026-03-12T12:00:00Z'}, '2026-03-13T01:00:00.000Z'),
  due('2026-03-13T01:00:00Z', ['stale/opp-1@2026-03-12T01:00:00.000Z']),
  # an activity: idle for 3 days from it -> a new occurrence
  cmd('wang',{'type':'log_activity','activity':{'id':'act-1','kind':'visit','customer':'acme','opportunity':'opp-1','at':'2026-03-13T02:00:00Z'}}, at='2026-03-13T02:00:00Z'),
  due('2026-03-13T02:00:00Z', []),
  q({'type':'upcoming','at':'2026-03-13T02:00:00Z','until':'2026-03-31T00:00:00Z'}, [{'id':'stale/opp-1@2026-03-16T02:00:00.000Z'}]),
  # a planned next step: not rotting until a day past it
  cmd('wang',{'type':'log_activity','activity':{'id':'act-2','kind':'call','customer':'acme','opportunity':'opp-1','at':'2026-03-13T03:00:00Z','next_follow_up':'2026-03-20T02:00:00Z'}}),
  q({'type':'upcoming','at':'2026-03-13T03:00:00Z','until':'2026-03-31T00:00:00Z'}, [{'id':'follow_up/act-2'},{'id':'stale/opp-1@2026-03-21T02:00:00.000Z'}]),
  # expected close date: 2026-03-18; passed at 2026-03-19 00:00 Shanghai = 2026-03-18T16:00Z
  cmd('wang',{'type':'update_opportunity','opportunity':'opp-1','patch':{'expected_close':'2026-03-18'}}),
  due('2026-03-18T15:59:59Z', []),
  due('2026-03-18T16:00:00Z', ['close_date_passed/opp-1@2026-03-18']),
  cmd('wang',{'type':'acknowledge_reminder','reminder':'close_date_passed/opp-1@2026-03-18'}, at='2026-03-19T01:00:00Z'),
  due('2026-03-19T01:00:00Z', []),
  q({'type':'reminder','id':'close_date_passed/opp-1@2026-03-18'}, {'kind':'close_date_passed'}),
  # pushing the date: a new occurrence; one push shortens the stale limits by 25 %
  cmd('wang',{'type':'update_opportunity','opportunity':'opp-1','patch':{'expected_close':'2026-03-25'}}),
  q({'type':'upcoming','at':'2026-03-19T01:00:00Z','until':'2026-03-31T00:00:00Z'}, [{'id':'follow_up/act-2'},{'id':'stale/opp-1@2026-03-21T02:00:00.000Z'},{'id':'close_date_passed/opp-1@2026-03-25'}]),
  # advancing to a stage without a limit resolves the staleness; losing resolves the rest
  cmd('wang',{'type':'advance','opportunity':'opp-1','to':'demo'}),
  q({'type':'upcoming','at':'2026-03-19T01:00:00Z','until':'2026-03-31T00:00:00Z'}, [{'id':'follow_up/act-2'},{'id':'close_date_passed/opp-1@2026-03-25'}]),
  cmd('wang',{'type':'lose','opportunity':'opp-1','reason':'price'}),
  q({'type':'upcoming','at':'2026-03-19T01:00:00Z','until':'2027-01-01T00:00:00Z'}, []),
]
write('reminders_stale_and_close_date','A deal rots in its stage (time in stage and idleness), is snoozed, comes back, is revived by an activity and a planned step; its expected close date passes at local midnight (Asia/Shanghai), is acknowledged, pushed; advancing and losing resolve everything.',S,steps)

# 3. cadence & approval
steps=prelude({'key_cadence':'14d'})
steps+=[
  cmd('wang',{'type':'advance','opportunity':'opp-1','to':'demo'}),
  cmd('wang',{'type':'advance','opportunity':'opp-1','to':'quote'}),
  cmd('wang',{'type':'update_customer','customer':{'id':'acme','name':'Acme 科技','owner':'wang','key':True}}, at='2026-03-03T00:00:00Z'),
  due('2026-03-16T23:59:59Z', []),
  due('2026-03-17T00:00:00Z', ['cadence/acme@2026-03-17T00:00:00.000Z']),
  cmd('wang',{'type':'snooze_reminder','reminder':'cadence/acme@2026-03-17T00:00:00.000Z','until':'2026-03-18T00:00:00Z'}, at='2026-03-17T01:00:00Z'),
  due('2026-03-17T12:00:00Z', []),
  due('2026-03-18T00:00:00Z', ['cadence/acme@2026-03-17T00:00:00.000Z']),
  cmd('wang',{'type':'log_activity','activity':{'id':'act-1','kind':'visit','customer':'acme','at':'2026-03-18T02:00:00Z'}}, at='2026-03-18T03:00:00Z'),
  q({'type':'upcoming','at':'2026-03-18T03:00:00Z','until':'2026-04-02T00:00:00Z'}, [{'id':'cadence/acme@2026-04-01T02:00:00.000Z','kind':'key_customer_cadence','customer':'acme','recipient':'wang'}]),
  # approval waiting on li beyond the 2-day SLA
  cmd('wang',{'type':'submit_approval','opportunity':'opp-1','process':'quote-approval','request':'req-1'}, at='2026-03-19T01:00:00Z'),
  due('2026-03-21T00:59:59Z', [], recipient='li'),
  q({'type':'due','at':'2026-03-21T01:00:00Z','recipient':'li'}, [{'id':'approval/opp-1/req-1/li@2026-03-21T01:00:00.000Z','kind':'approval_waiting','recipient':'li','request':'req-1'}]),
  cmd('li',{'type':'snooze_reminder','reminder':'approval/opp-1/req-1/li@2026-03-21T01:00:00.000Z','until':'2026-03-21T06:00:00Z'}, at='2026-03-21T02:00:00Z'),
  due('2026-03-21T05:00:00Z', [], recipient='li'),
  due('2026-03-21T06:00:00Z', ['approval/opp-1/req-1/li@2026-03-21T01:00:00.000Z'], recipient='li'),
  cmd('li',{'type':'decide_approval','opportunity':'opp-1','request':'req-1','decision':'approve','comment':'ok'}, at='2026-03-21T07:00:00Z'),
  due('2026-03-21T07:00:00Z', [], recipient='li'),
  q({'type':'reminder','id':'approval/opp-1/req-1/li@2026-03-21T01:00:00.000Z'}, {'error':'not_found'}),
]
write('reminders_cadence_and_approval','A key customer not contacted within its cadence (from the moment it became key), snoozed, resolved by a visit; an approval waiting on its approver beyond the SLA, snoozed, resolved by the decision.',S,steps)

# 4. DST
steps=[
  cmd('admin',{'type':'register_user','user':{'id':'admin','name':'Admin','role':'admin'}}),
  cmd('admin',{'type':'set_reminder_rules','rules':{'time_zone':'Europe/Berlin','task_lead':{'local':{'days_before':1,'at':'09:00:00'}}}}),
  cmd('admin',{'type':'create_task','task':{'id':'spring','title':'Montag','owner':'admin','due':'2026-03-30T08:00:00Z'}}),
  cmd('admin',{'type':'create_task','task':{'id':'autumn','title':'Montag','owner':'admin','due':'2026-10-26T08:00:00Z'}}),
  q({'type':'reminder','id':'task_due_soon/spring'}, {'due':'2026-03-29T07:00:00.000Z','until':'2026-03-30T08:00:00.000Z'}),
  q({'type':'reminder','id':'task_due_soon/autumn'}, {'due':'2026-10-25T08:00:00.000Z'}),
  cmd('admin',{'type':'set_reminder_rules','rules':{'time_zone':'America/New_York','task_lead':{'local':{'days_before':1,'at':'09:00:00'}},'quiet_hours':{'from':'20:00:00','to':'08:00:00'}}}),
  q({'type':'reminder','id':'task_due_soon/spring'}, {'due':'2026-03-29T13:00:00.000Z'}),
  q({'type':'reminder','id':'task_due_soon/autumn'}, {'due':'2026-10-25T13:00:00.000Z'}),
  # due 23:00 EST on the eve of the spring-forward night: quiet until 08:00 EDT
  cmd('admin',{'type':'create_task','task':{'id':'late','title':'x','owner':'admin','due':'2026-03-08T04:00:00Z'}}),
  q({'type':'reminder','id':'task_overdue/late'}, {'due':'2026-03-08T12:00:00.000Z'}),
]
write('reminders_dst','Local-time rules ("the day before at 09:00") across the daylight-saving switches of Europe/Berlin and America/New_York, and quiet hours over the spring-forward night.','2026-01-05T00:00:00Z',steps)

# 5. errors
steps=prelude()
steps+=[
  cmd('wang',{'type':'create_task','task':{'id':'task-1','title':'x','owner':'wang','due':'2026-03-03T01:00:00Z'}}),
  cmd('wang',{'type':'snooze_reminder','reminder':'task_overdue/task-1','until':'2026-03-03T01:00:00Z'}, at='2026-03-03T02:00:00Z', err='validation'),
  cmd('wang',{'type':'snooze_reminder','reminder':'task_overdue/task-1','until':'2026-03-03T02:00:00Z'}, err='validation'),
  cmd('wang',{'type':'acknowledge_reminder','reminder':'follow_up/no-such-activity'}, err='not_found'),
  cmd('wang',{'type':'dismiss_reminder','reminder':'task_overdue/task-9'}, err='not_found'),
  cmd('qian',{'type':'acknowledge_reminder','reminder':'task_overdue/task-1'}, err='permission_denied'),
  cmd('admin',{'type':'set_reminder_rules','rules':{'time_zone':'Europe/Berlinn'}}, err='validation'),
  cmd('admin',{'type':'set_reminder_rules','rules':{'pipelines':{'sales':{'time_zone':'Mars/Olympus'}}}}, err='validation'),
  cmd('admin',{'type':'set_reminder_rules','rules':{'pipelines':{'nope':{}}}}, err='validation'),
  cmd('admin',{'type':'set_reminder_rules','rules':{'escalate_after':'0s'}}, err='validation'),
  cmd('wang',{'type':'set_reminder_rules','rules':{}}, err='permission_denied'),
  q({'type':'due','at':'2026-03-03T02:00:00Z'}, [{'id':'task_overdue/task-1','due':'2026-03-03T01:00:00.000Z'}]),
  cmd('wang',{'type':'dismiss_reminder','reminder':'task_overdue/task-1'}),
  cmd('wang',{'type':'acknowledge_reminder','reminder':'task_overdue/task-1'}, err='validation'),
  due('2026-03-03T02:00:00Z', []),
]
write('reminders_errors','Bad reminder input: a snooze into the past or to now, unknown reminder ids, another rep\'s reminder, unknown time zones and other bad rules: clear error codes, nothing changed.',S,steps)
